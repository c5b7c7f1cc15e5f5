package web

import (
	"strings"
	"testing"
	"time"

	"troupe/internal/i18n"
	"troupe/internal/troupe"
)

// auditSamples are entries as the app writes them, one per action (and
// per wording), with the sentence each reads as in English and French.
var auditSamples = []struct {
	entry  troupe.AuditEntry
	en, fr string
}{
	{troupe.AuditEntry{Action: troupe.AuditMemberJoin, Detail: "dan@acme.com as viewer via link"},
		"Alice joined as Viewer with the invite link", "Alice a rejoint l'espace en tant que Lecteur grâce au lien d'invitation"},
	{troupe.AuditEntry{Action: troupe.AuditMemberRole, TargetName: "Bob", Detail: "developer->creator"},
		"Alice changed Bob's role from Developer to Creator", "Alice a fait passer Bob du rôle Développeur au rôle Créateur"},
	{troupe.AuditEntry{Action: troupe.AuditMemberRole, TargetName: "Bob", Detail: "creator"},
		"Alice changed Bob's role to Creator", "Alice a donné le rôle Créateur à Bob"},
	{troupe.AuditEntry{Action: troupe.AuditMemberRemove, Detail: "bob@acme.com"},
		"Alice removed bob@acme.com from the workspace", "Alice a retiré bob@acme.com de l'espace"},
	{troupe.AuditEntry{Action: troupe.AuditMemberLeave, Detail: "alice@acme.com"},
		"Alice left the workspace", "Alice a quitté l'espace"},
	{troupe.AuditEntry{Action: troupe.AuditInvitationCreate, Detail: "carol@example.com as creator"},
		"Alice invited carol@example.com as Creator", "Alice a invité carol@example.com en tant que Créateur"},
	{troupe.AuditEntry{Action: troupe.AuditInvitationResend, Detail: "carol@example.com"},
		"Alice resent the invitation to carol@example.com", "Alice a renvoyé l'invitation à carol@example.com"},
	{troupe.AuditEntry{Action: troupe.AuditInvitationRevoke, Detail: "carol@example.com"},
		"Alice revoked the invitation to carol@example.com", "Alice a annulé l'invitation envoyée à carol@example.com"},
	{troupe.AuditEntry{Action: troupe.AuditInvitationAccept, Detail: "alice@acme.com as developer"},
		"Alice accepted the invitation and joined as Developer", "Alice a accepté l'invitation et rejoint l'espace en tant que Développeur"},
	{troupe.AuditEntry{Action: troupe.AuditInvitationDecline, Detail: "alice@acme.com"},
		"Alice declined the invitation", "Alice a décliné l'invitation"},
	{troupe.AuditEntry{Action: troupe.AuditInvitationRole, Detail: "carol@example.com viewer->creator"},
		"Alice changed the role offered to carol@example.com from Viewer to Creator",
		"Alice a changé le rôle proposé à carol@example.com\u00a0: Créateur au lieu de Lecteur"},
	{troupe.AuditEntry{Action: troupe.AuditInviteLinkCreate, Detail: "role=viewer enabled=true"},
		"Alice created the invite link (role: Viewer)", "Alice a créé le lien d'invitation (rôle\u00a0: Lecteur)"},
	{troupe.AuditEntry{Action: troupe.AuditInviteLinkUpdate, Detail: "role=creator enabled=true"},
		"Alice changed the invite link (role: Creator)", "Alice a modifié le lien d'invitation (rôle\u00a0: Créateur)"},
	{troupe.AuditEntry{Action: troupe.AuditInviteLinkUpdate, Detail: "role=creator enabled=false"},
		"Alice paused the invite link (role: Creator)", "Alice a suspendu le lien d'invitation (rôle\u00a0: Créateur)"},
	{troupe.AuditEntry{Action: troupe.AuditInviteLinkReset, Detail: "role=viewer enabled=true"},
		"Alice reset the invite link; the old one no longer works", "Alice a renouvelé le lien d'invitation\u00a0; l'ancien ne fonctionne plus"},
	{troupe.AuditEntry{Action: troupe.AuditInviteLinkDelete},
		"Alice disabled the invite link", "Alice a désactivé le lien d'invitation"},
	{troupe.AuditEntry{Action: troupe.AuditJoinRequestCreate, Detail: "alice@acme.com"},
		"Alice asked to join", "Alice a demandé à rejoindre l'espace"},
	{troupe.AuditEntry{Action: troupe.AuditJoinRequestApproved, Detail: "erin@acme.com creator"},
		"Alice let erin@acme.com in as Creator", "Alice a accepté erin@acme.com en tant que Créateur"},
	{troupe.AuditEntry{Action: troupe.AuditJoinRequestDenied, Detail: "erin@acme.com "},
		"Alice turned down erin@acme.com's request to join", "Alice a refusé la demande d'adhésion envoyée par erin@acme.com"},
	{troupe.AuditEntry{Action: troupe.AuditApprovalRequest, Detail: "Launch"},
		"Alice asked for approval of “Launch”", "Alice a demandé l’approbation de «\u00a0Launch\u00a0»"},
	{troupe.AuditEntry{Action: troupe.AuditApprovalApprove, Detail: "Launch"},
		"Alice approved “Launch”", "Alice a approuvé «\u00a0Launch\u00a0»"},
	{troupe.AuditEntry{Action: troupe.AuditApprovalChanges, Detail: "Launch"},
		"Alice requested changes to “Launch”", "Alice a demandé des modifications de «\u00a0Launch\u00a0»"},
	{troupe.AuditEntry{Action: troupe.AuditApprovalWithdraw, Detail: "Launch"},
		"Alice withdrew the approval request of “Launch”", "Alice a retiré la demande d’approbation de «\u00a0Launch\u00a0»"},
	{troupe.AuditEntry{Action: troupe.AuditApprovalReset, Detail: "Launch"},
		"Alice changed “Launch”, which set its approval back to not requested", "Alice a modifié «\u00a0Launch\u00a0», dont l’approbation redevient non demandée"},
	{troupe.AuditEntry{Action: troupe.AuditApprovalOverride, Detail: "Launch"},
		"Alice published “Launch” without approval", "Alice a publié «\u00a0Launch\u00a0» sans approbation"},
	{troupe.AuditEntry{Action: troupe.AuditVideoPublish, Detail: "Launch"},
		"Alice published “Launch”", "Alice a publié «\u00a0Launch\u00a0»"},
	{troupe.AuditEntry{Action: troupe.AuditVideoUnpublish, Detail: "Launch"},
		"Alice took “Launch” off the web", "Alice a retiré «\u00a0Launch\u00a0» du web"},
	{troupe.AuditEntry{Action: troupe.AuditVideoPasswordSet, Detail: "Launch"},
		"Alice set a password on “Launch”", "Alice a protégé «\u00a0Launch\u00a0» par un mot de passe"},
	{troupe.AuditEntry{Action: troupe.AuditVideoPasswordRemove, Detail: "Launch"},
		"Alice removed the password from “Launch”", "Alice a retiré le mot de passe de «\u00a0Launch\u00a0»"},
	{troupe.AuditEntry{Action: troupe.AuditVideoDownload, TargetName: "Launch", Detail: "true"},
		"Alice allowed downloads of “Launch”", "Alice a autorisé le téléchargement de «\u00a0Launch\u00a0»"},
	{troupe.AuditEntry{Action: troupe.AuditVideoDownload, Detail: "false"},
		"Alice stopped downloads of a deleted item", "Alice a interdit le téléchargement de «\u00a0élément supprimé\u00a0»"},
	{troupe.AuditEntry{Action: troupe.AuditMemberRoleSSO, Detail: "viewer->developer"},
		"Alice's role went from Viewer to Developer through single sign-on", "Alice est passé·e de Lecteur à Développeur par l’authentification unique"},
	{troupe.AuditEntry{Action: troupe.AuditVideoLinkCreate, TargetName: "Launch"},
		"Alice made a new link to “Launch”", "Alice a créé un nouveau lien vers «\u00a0Launch\u00a0»"},
	{troupe.AuditEntry{Action: troupe.AuditVideoLinkUpdate, TargetName: "Launch"},
		"Alice changed a link to “Launch”", "Alice a modifié un lien vers «\u00a0Launch\u00a0»"},
	{troupe.AuditEntry{Action: troupe.AuditVideoLinkRevoke, TargetName: "Launch"},
		"Alice revoked a link to “Launch”", "Alice a révoqué un lien vers «\u00a0Launch\u00a0»"},
	{troupe.AuditEntry{Action: troupe.AuditVideoCaptionsPut, TargetName: "Launch", Detail: "fr"},
		"Alice saved French captions for “Launch”", "Alice a enregistré les sous-titres en français de «\u00a0Launch\u00a0»"},
	{troupe.AuditEntry{Action: troupe.AuditVideoCaptionsDelete, TargetName: "Launch", Detail: "en"},
		"Alice deleted the English captions of “Launch”", "Alice a supprimé les sous-titres en anglais de «\u00a0Launch\u00a0»"},
	{troupe.AuditEntry{Action: troupe.AuditVideoPoster, TargetName: "Launch", Detail: "12000"},
		"Alice chose a new poster for “Launch”", "Alice a choisi une nouvelle vignette pour «\u00a0Launch\u00a0»"},
	{troupe.AuditEntry{Action: troupe.AuditProcessingRetry, TargetName: "Launch"},
		"Alice started the processing of “Launch” again", "Alice a relancé le traitement de «\u00a0Launch\u00a0»"},
	{troupe.AuditEntry{Action: troupe.AuditCommentDelete, TargetName: "Launch", Detail: "bob@acme.test"},
		"Alice deleted a comment by bob@acme.test on “Launch”", "Alice a supprimé un commentaire de bob@acme.test sur «\u00a0Launch\u00a0»"},
	{troupe.AuditEntry{Action: troupe.AuditSharingUpdate, TargetName: "Q3 Launch", Detail: "general=workspace:view"},
		"Alice changed who can access “Q3 Launch”", "Alice a modifié l'accès à «\u00a0Q3 Launch\u00a0»"},
	{troupe.AuditEntry{Action: troupe.AuditSettingsUpdate, Detail: "name,join_policy"},
		"Alice changed the settings: name, who can join", "Alice a modifié les paramètres\u00a0: nom, qui peut rejoindre"},
	{troupe.AuditEntry{Action: troupe.AuditDomainAdd, Target: "acme.com"},
		"Alice added the domain acme.com", "Alice a ajouté le domaine acme.com"},
	{troupe.AuditEntry{Action: troupe.AuditDomainRemove, Target: "acme.com"},
		"Alice removed the domain acme.com", "Alice a retiré le domaine acme.com"},
	{troupe.AuditEntry{Action: troupe.AuditDomainVerified, Target: "acme.com"},
		"Alice verified the domain acme.com by DNS", "Alice a vérifié le domaine acme.com par DNS"},
	{troupe.AuditEntry{Action: troupe.AuditDomainUnverified, Target: "acme.com", Detail: "no_record"},
		"Alice no longer found the TXT record of acme.com: the domain is unverified",
		"Alice n'a plus trouvé l'enregistrement TXT de acme.com\u00a0: le domaine n'est plus vérifié"},
	{troupe.AuditEntry{Action: troupe.AuditSubscriptionUpdate, Detail: "plan=Big Team seats=10->25"},
		"Alice set the plan to Big Team with 25 seats (was 10)", "Alice a choisi l'offre Big Team avec 25 places (au lieu de 10)"},
	{troupe.AuditEntry{Action: troupe.AuditAPITokenCreate, Detail: "CI"},
		"Alice created the API token “CI”", "Alice a créé le jeton d'API «\u00a0CI\u00a0»"},
	{troupe.AuditEntry{Action: troupe.AuditAPITokenRevoke, Detail: "CI"},
		"Alice revoked the API token “CI”", "Alice a révoqué le jeton d'API «\u00a0CI\u00a0»"},
	{troupe.AuditEntry{Action: troupe.AuditTwoFactorEnable},
		"Alice turned on two-factor authentication", "Alice a activé l'authentification à deux facteurs"},
	{troupe.AuditEntry{Action: troupe.AuditTwoFactorDisable},
		"Alice turned off two-factor authentication", "Alice a désactivé l'authentification à deux facteurs"},
	{troupe.AuditEntry{Action: troupe.AuditRecoveryCodesRenew},
		"Alice made new recovery codes", "Alice a créé de nouveaux codes de récupération"},
	{troupe.AuditEntry{Action: troupe.AuditWebhookCreate, Detail: "https://hooks.example.com/t"},
		"Alice added the webhook endpoint “https://hooks.example.com/t”",
		"Alice a ajouté le point de terminaison de webhook «\u00a0https://hooks.example.com/t\u00a0»"},
	{troupe.AuditEntry{Action: troupe.AuditWebhookUpdate, Detail: "https://hooks.example.com/t"},
		"Alice changed the webhook endpoint “https://hooks.example.com/t”",
		"Alice a modifié le point de terminaison de webhook «\u00a0https://hooks.example.com/t\u00a0»"},
	{troupe.AuditEntry{Action: troupe.AuditWebhookDelete, Detail: "https://hooks.example.com/t"},
		"Alice deleted the webhook endpoint “https://hooks.example.com/t”",
		"Alice a supprimé le point de terminaison de webhook «\u00a0https://hooks.example.com/t\u00a0»"},
	{troupe.AuditEntry{Action: troupe.AuditWorkspaceCreate, Detail: "Acme Studio"},
		"Alice created the workspace “Acme Studio”", "Alice a créé l'espace «\u00a0Acme Studio\u00a0»"},
}

// Every action the log records reads as a sentence with names, in every
// language.
func TestAuditSentences(t *testing.T) {
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	covered := map[string]bool{}
	for _, s := range auditSamples {
		covered[s.entry.Action] = true
		e := s.entry
		e.ActorName, e.ActorEmail = "Alice", "alice@acme.com"
		for lang, want := range map[string]string{"en": s.en, "fr": s.fr} {
			if got := auditSentence(&view{cat: cat, Lang: lang}, e); got != want {
				t.Errorf("%s %s (%q):\n got %q\nwant %q", lang, e.Action, e.Detail, got, want)
			}
		}
	}
	for _, a := range troupe.AuditActions {
		if !covered[a] {
			t.Errorf("no sample sentence for %s", a)
		}
		for _, lang := range troupe.Locales {
			// A sentence of its own, not the fallback that shows the action.
			got := auditSentence(&view{cat: cat, Lang: lang}, troupe.AuditEntry{Action: a, ActorName: "Alice"})
			if strings.Contains(got, a) || strings.ContainsAny(got, "{}") || !strings.HasPrefix(got, "Alice") {
				t.Errorf("%s has no sentence in %s: %q", a, lang, got)
			}
		}
	}
}

// Entries whose actor or target is gone still read as sentences, with
// the address the entry recorded or words that say so.
func TestAuditSentencesWithoutNames(t *testing.T) {
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	en := &view{cat: cat, Lang: "en"}
	for _, tc := range []struct {
		entry troupe.AuditEntry
		want  string
	}{
		{troupe.AuditEntry{Action: troupe.AuditMemberLeave, Detail: "gone@acme.com"}, "gone@acme.com left the workspace"},
		{troupe.AuditEntry{Action: troupe.AuditMemberRole, ActorEmail: "alice@acme.com", Detail: "viewer"},
			"alice@acme.com changed a former member's role to Viewer"},
		{troupe.AuditEntry{Action: troupe.AuditDomainAdd, Target: "acme.com"}, "Someone added the domain acme.com"},
		{troupe.AuditEntry{Action: troupe.AuditDomainUnverified, Target: "acme.com"}, "The daily DNS check no longer found the TXT record of acme.com: the domain is unverified"},
		{troupe.AuditEntry{Action: "comment.create", ActorName: "Alice"}, "Alice: comment.create"},
	} {
		if got := auditSentence(en, tc.entry); got != tc.want {
			t.Errorf("got %q, want %q", got, tc.want)
		}
	}
}

// Old entries show a date in the page's language, never an ISO one.
func TestAuditDates(t *testing.T) {
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2025, 3, 12, 14, 3, 0, 0, time.UTC)
	now := at.Add(90 * 24 * time.Hour)
	for lang, want := range map[string][2]string{
		"en": {"March 12, 2025", "March 12, 2025 at 14:03 UTC"},
		"fr": {"12 mars 2025", "12 mars 2025 à 14:03 UTC"},
	} {
		row := auditRowOf(&view{cat: cat, Lang: lang}, troupe.AuditEntry{Action: troupe.AuditMemberLeave, CreatedAt: at}, now)
		if w := row.When; w.Text != want[0] || w.Title != want[1] || w.Local != "date" || w.At != "2025-03-12T14:03:00Z" {
			t.Errorf("%s: %+v", lang, row)
		}
	}
}
