package web

import (
	"net/http"
	"net/url"
	"slices"
	"time"

	"troupe/internal/app"
	"troupe/internal/paths"
	"troupe/internal/troupe"
)

type webhookJSON struct {
	ID           string     `json:"id"`
	URL          string     `json:"url"`
	Events       []string   `json:"events"`
	Enabled      bool       `json:"enabled"`
	AutoDisabled bool       `json:"auto_disabled"`
	FailingSince *time.Time `json:"failing_since"`
	CreatedAt    time.Time  `json:"created_at"`
	LastDelivery string     `json:"last_delivery,omitempty"`
	Secret       string     `json:"secret,omitempty"`
}

func webhookOut(e troupe.WebhookEndpoint) webhookJSON {
	return webhookJSON{ID: e.ID, URL: e.URL, Events: e.Events, Enabled: e.Enabled, AutoDisabled: e.AutoDisabled,
		FailingSince: e.FailingSince, CreatedAt: e.CreatedAt, LastDelivery: e.Last}
}

type deliveryJSON struct {
	ID              string     `json:"id"`
	Event           string     `json:"event"`
	Status          string     `json:"status"`
	Attempts        int        `json:"attempts"`
	ResponseStatus  int        `json:"response_status"`
	LatencyMS       int64      `json:"latency_ms"`
	ResponseExcerpt string     `json:"response_excerpt"`
	Error           string     `json:"error"`
	CreatedAt       time.Time  `json:"created_at"`
	LastAttemptAt   *time.Time `json:"last_attempt_at"`
	NextAttemptAt   *time.Time `json:"next_attempt_at"`
}

func deliveryOut(d troupe.WebhookDelivery) deliveryJSON {
	return deliveryJSON{ID: d.ID, Event: d.Event, Status: d.Status, Attempts: d.Attempts, ResponseStatus: d.ResponseStatus,
		LatencyMS: d.LatencyMS, ResponseExcerpt: d.ResponseExcerpt, Error: d.Error, CreatedAt: d.CreatedAt,
		LastAttemptAt: d.LastAttemptAt, NextAttemptAt: d.NextAttemptAt}
}

func (s *Server) handleWebhookList(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	hooks, err := s.app.ListWebhooks(r.Context(), u, r.PathValue("ws"))
	if err != nil {
		return err
	}
	out := list[webhookJSON]{Items: make([]webhookJSON, 0, len(hooks))}
	for _, h := range hooks {
		out.Items = append(out.Items, webhookOut(h))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) handleWebhookCreate(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	var in struct {
		URL    string   `json:"url"`
		Events []string `json:"events"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	h, err := s.app.CreateWebhook(r.Context(), u, r.PathValue("ws"), app.WebhookInput{URL: in.URL, Events: in.Events}, s.client(r))
	if err != nil {
		return err
	}
	out := webhookOut(h.WebhookEndpoint)
	out.Secret = h.Secret
	writeJSON(w, http.StatusCreated, out)
	return nil
}

func (s *Server) handleWebhookGet(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	h, err := s.app.GetWebhook(r.Context(), u, r.PathValue("ws"), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, webhookOut(h))
	return nil
}

func (s *Server) handleWebhookUpdate(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	var in struct {
		URL     *string   `json:"url"`
		Events  *[]string `json:"events"`
		Enabled *bool     `json:"enabled"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	h, err := s.app.UpdateWebhook(r.Context(), u, r.PathValue("ws"), r.PathValue("id"),
		app.WebhookChange{URL: in.URL, Events: in.Events, Enabled: in.Enabled}, s.client(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, webhookOut(h))
	return nil
}

func (s *Server) handleWebhookDelete(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	if err := s.app.DeleteWebhook(r.Context(), u, r.PathValue("ws"), r.PathValue("id"), s.client(r)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) handleWebhookDeliveries(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	ds, err := s.app.ListWebhookDeliveries(r.Context(), u, r.PathValue("ws"), r.PathValue("id"))
	if err != nil {
		return err
	}
	out := list[deliveryJSON]{Items: make([]deliveryJSON, 0, len(ds))}
	for _, d := range ds {
		out.Items = append(out.Items, deliveryOut(d))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) handleWebhookTest(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	d, err := s.app.SendTestWebhook(r.Context(), u, r.PathValue("ws"), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, deliveryOut(d))
	return nil
}

func (s *Server) handleWebhookRedeliver(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	d, err := s.app.RedeliverWebhook(r.Context(), u, r.PathValue("ws"), r.PathValue("id"), r.PathValue("delivery"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, deliveryOut(d))
	return nil
}

// --- the webhooks page -------------------------------------------------------

// webhooksPage lists the endpoints and the deliveries of the one chosen
// (the first by default); Created holds the endpoint just added, with its
// secret shown this once.
type webhooksPage struct {
	Hooks      []troupe.WebhookEndpoint
	Events     []string
	Chosen     *troupe.WebhookEndpoint
	Deliveries []troupe.WebhookDelivery
	Created    *app.Webhook
	// Checked are the events ticked in the form.
	Checked map[string]bool
}

func (s *Server) loadWebhooks(r *http.Request, u troupe.User, v *view, chosen string) (*webhooksPage, error) {
	hooks, err := s.app.ListWebhooks(r.Context(), u, v.Workspace.ID)
	if err != nil {
		return nil, err
	}
	p := &webhooksPage{Hooks: hooks, Events: troupe.WebhookEvents, Checked: map[string]bool{}}
	for i := range hooks {
		if hooks[i].ID == chosen || (chosen == "" && i == 0) {
			p.Chosen = &hooks[i]
		}
	}
	if p.Chosen != nil {
		if p.Deliveries, err = s.app.ListWebhookDeliveries(r.Context(), u, v.Workspace.ID, p.Chosen.ID); err != nil {
			return nil, err
		}
	}
	return p, nil
}

func (s *Server) pageWebhooks(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error {
	p, err := s.loadWebhooks(r, u, v, r.URL.Query().Get("endpoint"))
	if err != nil {
		return err
	}
	show(s, w, r, http.StatusOK, "webhooks", v, p)
	return nil
}

// pageWebhookCreate answers with the page itself rather than a redirect,
// so that the secret is shown once and never kept anywhere.
func (s *Server) pageWebhookCreate(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error {
	in := app.WebhookInput{URL: r.PostForm.Get("url"), Events: r.PostForm["events"]}
	h, err := s.app.CreateWebhook(r.Context(), u, v.Workspace.ID, in, s.client(r))
	chosen := ""
	if err == nil {
		chosen = h.ID
	}
	p, lerr := s.loadWebhooks(r, u, v, chosen)
	if lerr != nil {
		return lerr
	}
	if err != nil {
		if pageLevel(err) {
			return err
		}
		v.Form["url"] = in.URL
		for _, ev := range in.Events {
			p.Checked[ev] = slices.Contains(troupe.WebhookEvents, ev)
		}
		return showForm(s, w, r, "webhooks", v, p, err)
	}
	p.Created = &h
	v.Flash = v.T("flash.webhook_created")
	show(s, w, r, http.StatusOK, "webhooks", v, p)
	return nil
}

// webhookBack is the page showing endpoint id's deliveries.
func webhookBack(ws, id string) string {
	return paths.Webhooks(ws) + "?endpoint=" + url.QueryEscape(id)
}

func (s *Server) pageWebhookEnable(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error {
	on := r.PostForm.Get("enabled") == "true"
	id := r.PathValue("id")
	if _, err := s.app.UpdateWebhook(r.Context(), u, v.Workspace.ID, id, app.WebhookChange{Enabled: &on}, s.client(r)); err != nil {
		return err
	}
	s.flash(w, r, "flash.webhook_updated")
	http.Redirect(w, r, webhookBack(v.Workspace.ID, id), http.StatusSeeOther)
	return nil
}

func (s *Server) pageWebhookDelete(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error {
	if err := s.app.DeleteWebhook(r.Context(), u, v.Workspace.ID, r.PathValue("id"), s.client(r)); err != nil {
		return err
	}
	s.flash(w, r, "flash.webhook_deleted")
	http.Redirect(w, r, paths.Webhooks(v.Workspace.ID), http.StatusSeeOther)
	return nil
}

func (s *Server) pageWebhookTest(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error {
	id := r.PathValue("id")
	if _, err := s.app.SendTestWebhook(r.Context(), u, v.Workspace.ID, id); err != nil {
		return err
	}
	s.flash(w, r, "flash.webhook_test_sent")
	http.Redirect(w, r, webhookBack(v.Workspace.ID, id), http.StatusSeeOther)
	return nil
}

func (s *Server) pageWebhookRedeliver(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error {
	id := r.PathValue("id")
	if _, err := s.app.RedeliverWebhook(r.Context(), u, v.Workspace.ID, id, r.PathValue("delivery")); err != nil {
		return err
	}
	s.flash(w, r, "flash.webhook_redelivered")
	http.Redirect(w, r, webhookBack(v.Workspace.ID, id), http.StatusSeeOther)
	return nil
}
