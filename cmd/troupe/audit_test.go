package main

import (
	"encoding/csv"
	"html"
	"regexp"
	"strings"
	"testing"
)

// visibleText is what a reader sees of a page: its text without tags,
// scripts or attributes, entities decoded.
func visibleText(page string) string {
	page = regexp.MustCompile(`(?s)<(script|style)[^>]*>.*?</(script|style)>`).ReplaceAllString(page, " ")
	return html.UnescapeString(regexp.MustCompile(`(?s)<[^>]*>`).ReplaceAllString(page, " "))
}

// The audit log reads as sentences with names, in English and French,
// filtered by action and by person through the URL; the API filters the
// same way and the CSV keeps the raw columns.
func TestAuditLogPage(t *testing.T) {
	forEngine(t, func(t *testing.T, s *testServer) {
		alice, aliceID := s.signedIn(t, "alice@acme.com")
		ws := alice.do("POST", "/api/v1/workspaces", map[string]string{"name": "Acme Studio"}).want(t, 201).json(t)["id"].(string)
		api := "/api/v1/workspaces/" + ws
		_, bobID := s.member(t, alice, ws, "bob@acme.com", "developer")
		alice.do("PATCH", api+"/members/"+bobID, map[string]string{"role": "creator"}).want(t, 200)
		alice.do("POST", api+"/invitations", map[string]any{"emails": []string{"carol@example.com"}, "role": "creator"}).want(t, 200)
		base := "/w/" + ws + "/audit"

		created := "alice created the workspace “Acme Studio”"
		roleChanged := "alice changed bob's role from Developer to Creator"
		invited := "alice invited carol@example.com as Creator"
		accepted := "bob accepted the invitation and joined as Developer"

		t.Run("sentences with names", func(t *testing.T) {
			text := visibleText(alice.page(base, 200))
			contains(t, text, created, roleChanged, invited, accepted, "alice invited bob@acme.com as Developer")
		})

		t.Run("filters by action, by person, and both", func(t *testing.T) {
			byAction := alice.page(base+"?action=member.role", 200)
			contains(t, visibleText(byAction), roleChanged)
			lacks(t, visibleText(byAction), invited, accepted, created)
			contains(t, byAction, `<option value="member.role" selected>`)

			byFamily := visibleText(alice.page(base+"?action=invitation.", 200))
			contains(t, byFamily, invited, accepted)
			lacks(t, byFamily, roleChanged, created)

			byPerson := alice.page(base+"?actor="+bobID, 200)
			contains(t, visibleText(byPerson), accepted)
			lacks(t, visibleText(byPerson), roleChanged, invited, created)
			contains(t, byPerson, `<option value="`+bobID+`" selected>bob (bob@acme.com)</option>`)

			both := alice.page(base+"?action=invitation.&actor="+aliceID, 200)
			contains(t, visibleText(both), invited)
			lacks(t, visibleText(both), accepted, roleChanged, created)
			// The export takes the same filters.
			contains(t, both, `/api/v1/workspaces/`+ws+`/audit-log?action=invitation.&amp;actor=`+aliceID+`&amp;format=csv`)
		})

		t.Run("the API filters the same way", func(t *testing.T) {
			actions := func(query string) []string {
				var out []string
				for _, it := range alice.do("GET", api+"/audit-log?"+query, nil).want(t, 200).json(t)["items"].([]any) {
					out = append(out, it.(map[string]any)["action"].(string))
				}
				return out
			}
			if got := actions("action=member.role"); len(got) != 1 || got[0] != "member.role" {
				t.Errorf("by action: %v", got)
			}
			if got := actions("actor=" + bobID); len(got) != 1 || got[0] != "invitation.accept" {
				t.Errorf("by person: %v", got)
			}
			if got := actions("actor=" + aliceID + "&action=invitation."); len(got) != 2 || got[0] != "invitation.create" || got[1] != "invitation.create" {
				t.Errorf("by both: %v", got)
			}
		})

		t.Run("the CSV keeps the raw columns", func(t *testing.T) {
			rows, err := csv.NewReader(strings.NewReader(alice.do("GET", api+"/audit-log?format=csv&action=member.role", nil).want(t, 200).text())).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(rows[0], ",") != "time,actor_id,actor_email,action,target,detail,ip" || len(rows) != 2 {
				t.Fatalf("csv: %v", rows)
			}
			if r := rows[1]; r[1] != aliceID || r[2] != "alice@acme.com" || r[3] != "member.role" || r[4] != bobID || r[5] != "developer->creator" {
				t.Errorf("csv row: %v", r)
			}
		})

		t.Run("in French, without ISO dates", func(t *testing.T) {
			page := string(alice.do("GET", base, nil, "Accept-Language", "fr-FR,fr;q=0.9").want(t, 200).body)
			text := visibleText(page)
			contains(t, text, "alice a fait passer bob du rôle Développeur au rôle Créateur",
				"alice a invité carol@example.com en tant que Créateur", "alice a créé l'espace «\u00a0Acme Studio\u00a0»",
				"bob a accepté l'invitation et rejoint l'espace en tant que Développeur", "à l'instant")
			if iso := regexp.MustCompile(`\d{4}-\d{2}-\d{2}T`).FindString(text); iso != "" {
				t.Errorf("the French page shows an ISO date: %q", iso)
			}
			// The instant is there for the browser to say in local time.
			if !regexp.MustCompile(`<time datetime="\d{4}-\d{2}-\d{2}T[^"]+Z" title="[^"]+ UTC" data-local="time">`).MatchString(page) {
				t.Error("times carry no instant for the browser")
			}
		})
	})
}
