package web

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"troupe/internal/app"
	"troupe/internal/paths"
	"troupe/internal/troupe"
)

// approvalJSON is an item's approval. Lists carry the status alone; a
// single item carries the whole request.
type approvalJSON struct {
	Status      troupe.ApprovalStatus `json:"status"`
	RequestedBy *string               `json:"requested_by,omitempty"`
	RequestedAt *time.Time            `json:"requested_at,omitempty"`
	Message     *string               `json:"message,omitempty"`
	Reviewers   *[]reviewerJSON       `json:"reviewers,omitempty"`
}

type reviewerJSON struct {
	User      string          `json:"user"`
	Name      string          `json:"name"`
	Decision  troupe.Decision `json:"decision"`
	Comment   string          `json:"comment"`
	DecidedAt *time.Time      `json:"decided_at"`
}

// toApprovalJSON is an item's approval: in full when v is known (a single
// item), else its status alone.
func toApprovalJSON(status troupe.ApprovalStatus, v *app.ApprovalView) *approvalJSON {
	if status == "" {
		status = troupe.ApprovalNone
	}
	out := &approvalJSON{Status: status}
	if v == nil || v.Request == nil {
		if v != nil {
			out.Reviewers = &[]reviewerJSON{}
		}
		return out
	}
	req := v.Request
	out.RequestedBy, out.RequestedAt, out.Message = &req.RequestedBy, &req.RequestedAt, &req.Message
	reviewers := make([]reviewerJSON, 0, len(req.Reviewers))
	for _, r := range req.Reviewers {
		d := r.Decision
		if d == troupe.DecisionNone {
			d = "none"
		}
		reviewers = append(reviewers, reviewerJSON{User: r.UserID, Name: r.Name, Decision: d, Comment: r.Comment, DecidedAt: r.DecidedAt})
	}
	out.Reviewers = &reviewers
	return out
}

// handleApprovalRequest asks reviewers to approve an item and answers
// with the item.
func (s *Server) handleApprovalRequest(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	var in struct {
		Reviewers []string `json:"reviewers"`
		Message   string   `json:"message"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	id := r.PathValue("id")
	if _, err := s.app.RequestApproval(r.Context(), u, id, app.ApprovalRequest{Reviewers: in.Reviewers, Message: in.Message}, s.client(r)); err != nil {
		return err
	}
	return s.writeItem(w, r, u, id, http.StatusCreated)
}

// handleApprovalDecision records a reviewer's decision and answers with
// the item.
func (s *Server) handleApprovalDecision(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	var in struct {
		Decision troupe.Decision `json:"decision"`
		Comment  string          `json:"comment"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	id := r.PathValue("id")
	if _, err := s.app.Decide(r.Context(), u, id, in.Decision, in.Comment, s.client(r)); err != nil {
		return err
	}
	return s.writeItem(w, r, u, id, http.StatusOK)
}

func (s *Server) handleApprovalWithdraw(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	if err := s.app.WithdrawApproval(r.Context(), u, r.PathValue("id"), s.client(r)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// writeItem answers with the item as the caller now sees it.
func (s *Server) writeItem(w http.ResponseWriter, r *http.Request, u troupe.User, id string, status int) error {
	it, err := s.app.GetItem(r.Context(), u, id)
	if err != nil {
		return err
	}
	writeJSON(w, status, toItemJSON(it, true))
	return nil
}

// approvalBox is the approval box of an item's page.
type approvalBox struct {
	Status      troupe.ApprovalStatus
	Request     *troupe.Approval
	Reviewers   []reviewerRow
	CanRequest  bool
	CanDecide   bool
	CanWithdraw bool
	// Mine is the reader's own decision, "" before deciding.
	Mine       troupe.Decision
	Candidates []approvalCandidate
	Action     string
}

type reviewerRow struct {
	Name     string
	Decision string
	Comment  string
	Decided  bool
	At       time.Time
}

// approvalCandidate is a member the reader may name as reviewer, with
// whether the form had them checked.
type approvalCandidate struct {
	app.Candidate
	Checked bool
}

// loadApprovalBox gathers the approval box of item it for u; nil for
// items that do not go through approval.
func (s *Server) loadApprovalBox(r *http.Request, u troupe.User, it app.ItemView) (*approvalBox, error) {
	if it.Approval == nil || (it.Kind != troupe.KindDraft && it.Kind != troupe.KindVideo) {
		return nil, nil
	}
	a := it.Approval
	b := &approvalBox{Status: a.Status, Request: a.Request, CanRequest: a.CanRequest, CanDecide: a.CanDecide,
		CanWithdraw: a.CanWithdraw, Action: itemURL(it) + "/approval"}
	if a.Mine != nil {
		b.Mine = a.Mine.Decision
	}
	if a.Request != nil {
		for _, rv := range a.Request.Reviewers {
			row := reviewerRow{Name: rv.Name, Decision: string(rv.Decision), Comment: rv.Comment}
			if row.Decision == "" {
				row.Decision = "none"
			}
			if rv.DecidedAt != nil {
				row.Decided, row.At = true, *rv.DecidedAt
			}
			b.Reviewers = append(b.Reviewers, row)
		}
	}
	if b.CanRequest {
		cands, err := s.app.ReviewerCandidates(r.Context(), u, it.ID)
		if err != nil {
			return nil, err
		}
		checked := map[string]bool{}
		if r.Method == http.MethodPost {
			for _, id := range r.PostForm["reviewers"] {
				checked[id] = true
			}
		}
		for _, c := range cands {
			b.Candidates = append(b.Candidates, approvalCandidate{Candidate: c, Checked: checked[c.UserID]})
		}
	}
	return b, nil
}

// approvalChange runs one of the approval box's forms and comes back to
// the box; an error its form can fix is explained on the item's page.
func (s *Server) approvalChange(w http.ResponseWriter, r *http.Request, u troupe.User, v *view, flashKey string, change func() error) error {
	if err := change(); err != nil {
		if pageLevel(err) || troupe.ErrorCode(err) == troupe.CodeItemTrashed {
			return err
		}
		it, gerr := s.itemOf(r, u, v)
		if gerr != nil {
			return gerr
		}
		p, lerr := s.loadItemPage(r, u, v, it)
		if lerr != nil {
			return lerr
		}
		if it.Kind == troupe.KindDraft {
			v.Form["name"], v.Form["script"], v.Form["document"] = it.Name, it.Script, it.Document
		} else {
			v.Form["description"] = it.Description
		}
		for _, k := range []string{"message", "comment"} {
			v.Form[k] = r.PostForm.Get(k)
		}
		return showForm(s, w, r, "item", v, p, err)
	}
	s.flash(w, r, flashKey)
	http.Redirect(w, r, paths.Item(v.Workspace.ID, r.PathValue("id"))+"#approval", http.StatusSeeOther)
	return nil
}

func (s *Server) pageApprovalRequest(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error {
	if _, err := s.itemOf(r, u, v); err != nil {
		return err
	}
	in := app.ApprovalRequest{Reviewers: r.PostForm["reviewers"], Message: strings.ReplaceAll(r.PostForm.Get("message"), "\r\n", "\n")}
	return s.approvalChange(w, r, u, v, "flash.approval_requested", func() error {
		_, err := s.app.RequestApproval(r.Context(), u, r.PathValue("id"), in, s.client(r))
		return err
	})
}

func (s *Server) pageApprovalDecision(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error {
	if _, err := s.itemOf(r, u, v); err != nil {
		return err
	}
	d := troupe.Decision(r.PostForm.Get("decision"))
	comment := strings.ReplaceAll(r.PostForm.Get("comment"), "\r\n", "\n")
	return s.approvalChange(w, r, u, v, "flash.approval_decided", func() error {
		_, err := s.app.Decide(r.Context(), u, r.PathValue("id"), d, comment, s.client(r))
		return err
	})
}

func (s *Server) pageApprovalWithdraw(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error {
	if _, err := s.itemOf(r, u, v); err != nil {
		return err
	}
	return s.approvalChange(w, r, u, v, "flash.approval_withdrawn", func() error {
		return s.app.WithdrawApproval(r.Context(), u, r.PathValue("id"), s.client(r))
	})
}

// approvalBadge is the badge class of an approval state or a decision:
// blue while waiting, amber for changes, green once approved.
func approvalBadge(state any) string {
	switch fmt.Sprint(state) {
	case string(troupe.ApprovalPending):
		return "badge-blue"
	case string(troupe.ApprovalChangesRequested), string(troupe.DecisionRequestChanges):
		return "badge-amber"
	case string(troupe.ApprovalApproved), string(troupe.DecisionApprove):
		return "badge-green"
	}
	return ""
}
