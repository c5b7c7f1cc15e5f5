package web

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"troupe/internal/app"
	"troupe/internal/paths"
	"troupe/internal/troupe"
)

type linkJSON struct {
	ID            string           `json:"id"`
	VideoID       string           `json:"video_id"`
	Label         string           `json:"label"`
	URL           string           `json:"url"`
	Slug          string           `json:"slug"`
	EmbedURL      string           `json:"embed_url"`
	HasPassword   bool             `json:"has_password"`
	ExpiresAt     *time.Time       `json:"expires_at"`
	Expired       bool             `json:"expired"`
	AllowDownload bool             `json:"allow_download"`
	Embed         troupe.EmbedMode `json:"embed"`
	EmbedDomains  []string         `json:"embed_domains"`
	Default       bool             `json:"default"`
	CreatedBy     string           `json:"created_by"`
	CreatedAt     time.Time        `json:"created_at"`
	Views         int64            `json:"views"`
}

func (s *Server) toLinkJSON(l troupe.Link, now time.Time) linkJSON {
	domains := l.EmbedOrigins
	if domains == nil {
		domains = []string{}
	}
	return linkJSON{ID: l.ID, VideoID: l.ItemID, Label: l.Label, URL: s.publicURL(l.Slug), Slug: l.Slug, EmbedURL: s.absURL(paths.Embed(l.Slug)),
		HasPassword: l.HasPassword, ExpiresAt: l.ExpiresAt, Expired: l.Expired(now), AllowDownload: l.AllowDownload, Embed: l.Embed,
		EmbedDomains: domains, Default: l.Default, CreatedBy: l.CreatedBy, CreatedAt: l.CreatedAt, Views: l.Views}
}

// absURL is path on this server, as others reach it.
func (s *Server) absURL(path string) string { return strings.TrimRight(s.cfg.BaseURL, "/") + path }

func (s *Server) handleLinkList(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	links, err := s.app.ListLinks(r.Context(), u, r.PathValue("id"))
	if err != nil {
		return err
	}
	now := s.app.Now()
	out := list[linkJSON]{Items: make([]linkJSON, 0, len(links))}
	for _, l := range links {
		out.Items = append(out.Items, s.toLinkJSON(l, now))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) handleLinkCreate(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	var in struct {
		Label         string           `json:"label"`
		Password      *string          `json:"password"`
		ExpiresAt     *time.Time       `json:"expires_at"`
		AllowDownload *bool            `json:"allow_download"`
		Embed         troupe.EmbedMode `json:"embed"`
		EmbedDomains  []string         `json:"embed_domains"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	l, err := s.app.CreateLink(r.Context(), u, r.PathValue("id"), app.LinkInput{Label: in.Label, Password: in.Password,
		ExpiresAt: in.ExpiresAt, AllowDownload: in.AllowDownload, Embed: in.Embed, EmbedDomains: in.EmbedDomains}, s.client(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, s.toLinkJSON(l, s.app.Now()))
	return nil
}

func (s *Server) handleLinkUpdate(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	var in struct {
		Label         *string           `json:"label"`
		Password      json.RawMessage   `json:"password"`
		ExpiresAt     json.RawMessage   `json:"expires_at"`
		AllowDownload *bool             `json:"allow_download"`
		Embed         *troupe.EmbedMode `json:"embed"`
		EmbedDomains  *[]string         `json:"embed_domains"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	p := app.LinkPatch{Label: in.Label, AllowDownload: in.AllowDownload, Embed: in.Embed, EmbedDomains: in.EmbedDomains}
	// null removes the password or the expiry; absent leaves it.
	if in.Password != nil {
		pw := ""
		if !isNull(in.Password) {
			if err := json.Unmarshal(in.Password, &pw); err != nil {
				return troupe.Errorf(troupe.CodeMalformed, "The field \"password\" has the wrong type.")
			}
		}
		p.Password = &pw
	}
	if in.ExpiresAt != nil {
		var at *time.Time
		if !isNull(in.ExpiresAt) {
			var t time.Time
			if err := json.Unmarshal(in.ExpiresAt, &t); err != nil {
				return troupe.Errorf(troupe.CodeMalformed, "The field \"expires_at\" must be an RFC 3339 time or null.")
			}
			at = &t
		}
		p.ExpiresAt = &at
	}
	l, err := s.app.UpdateLink(r.Context(), u, r.PathValue("id"), p, s.client(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.toLinkJSON(l, s.app.Now()))
	return nil
}

func isNull(raw json.RawMessage) bool { return bytes.Equal(bytes.TrimSpace(raw), []byte("null")) }

func (s *Server) handleLinkDelete(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	if err := s.app.RevokeLink(r.Context(), u, r.PathValue("id"), s.client(r)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// pageLinkCreate makes a link from the Share tab's form: an empty
// password or expiry is none, the domains are one per line or separated
// by spaces or commas.
func (s *Server) pageLinkCreate(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error {
	f := r.PostForm
	in := app.LinkInput{Label: strings.TrimSpace(f.Get("label")), Embed: troupe.EmbedMode(f.Get("embed")),
		EmbedDomains: strings.FieldsFunc(f.Get("embed_domains"), func(c rune) bool { return c == ',' || c == ' ' || c == '\n' || c == '\r' || c == '\t' })}
	if pw := f.Get("password"); pw != "" {
		in.Password = &pw
	}
	if at := parseExpiry(f.Get("expires_at")); at != nil {
		in.ExpiresAt = at
	}
	allow := f.Get("allow_download") != ""
	in.AllowDownload = &allow
	for _, k := range []string{"label", "expires_at", "embed", "embed_domains"} {
		v.Form[k] = f.Get(k)
	}
	v.Form["link_form"] = "open"
	return s.videoChange(w, r, u, v, panelShare, "flash.share_link_created", func(ctx context.Context, id string) error {
		_, err := s.app.CreateLink(ctx, u, id, in, s.client(r))
		return err
	})
}

func (s *Server) pageLinkRevoke(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error {
	return s.videoChange(w, r, u, v, panelShare, "flash.share_link_revoked", func(ctx context.Context, id string) error {
		return s.app.RevokeLink(ctx, u, r.PathValue("link"), s.client(r))
	})
}
