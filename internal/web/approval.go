package web

import (
	"net/http"
	"time"

	"troupe/internal/app"
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
