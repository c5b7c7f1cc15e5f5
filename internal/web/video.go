package web

import (
	"context"
	"net/http"
	"strings"
	"time"

	"troupe/internal/app"
	"troupe/internal/paths"
	"troupe/internal/troupe"
)

// The panels of a video's page, also the fragments forms come back to.
const (
	panelShare     = "share"
	panelCaptions  = "captions"
	panelAnalytics = "analytics"
)

// videoPanel is what a video's item page shows besides the player: the
// captions for everyone, and for its editors the state of its sharing,
// public page, password and downloads.
type videoPanel struct {
	app.VideoPage
	// Sharing is the item's sharing, for editors only.
	Sharing   *app.Sharing
	PublicURL string
	// Tab is the panel to open first.
	Tab string
	// FileProblems explain, line by line, why a caption file was refused.
	FileProblems []string
	// Links are the video's links, for its editors.
	Links []linkRow
	// Analytics is the Analytics tab, for editors only.
	Analytics *analyticsPanel
}

// linkRow is a link as the Share tab lists it.
type linkRow struct {
	troupe.Link
	URL       string
	EmbedCode string
	Expired   bool
	ViewCount int
	// Expires is when the link ends, zero for never.
	Expires time.Time
}

// loadVideo gathers what a video's page shows to u.
func (s *Server) loadVideo(r *http.Request, u troupe.User, it app.ItemView) (*videoPanel, error) {
	vp, err := s.app.GetVideoPage(r.Context(), u, it.ID)
	if err != nil {
		return nil, err
	}
	p := &videoPanel{VideoPage: vp, Tab: panelShare}
	if !vp.Permissions.CanEdit {
		return p, nil
	}
	sh, err := s.app.GetSharing(r.Context(), u, it.ID)
	if err != nil {
		return nil, err
	}
	p.Sharing = &sh
	an, err := s.app.VideoAnalytics(r.Context(), u, it.ID, app.AnalyticsFilter{LastDays: analyticsDays})
	if err != nil {
		return nil, err
	}
	p.Analytics = newAnalyticsPanel(an)
	if vp.PublicSlug != "" {
		p.PublicURL = s.publicURL(vp.PublicSlug)
	}
	links, err := s.app.ListLinks(r.Context(), u, it.ID)
	if err != nil {
		return nil, err
	}
	now := s.app.Now()
	for _, l := range links {
		row := linkRow{Link: l, URL: s.publicURL(l.Slug), Expired: l.Expired(now), ViewCount: int(l.Views)}
		if l.ExpiresAt != nil {
			row.Expires = *l.ExpiresAt
		}
		if troupe.FrameAncestors(vp.Settings.Embedding, l.Embed, l.EmbedOrigins) != "'none'" {
			row.EmbedCode = responsiveEmbedCode(s.absURL(paths.Embed(l.Slug)), it.Name, it.Width, it.Height)
		}
		p.Links = append(p.Links, row)
	}
	return p, nil
}

// videoChange runs a change of the video's page from one of its forms and
// comes back to the item page at panel; an error the form can fix is
// explained on that page instead.
func (s *Server) videoChange(w http.ResponseWriter, r *http.Request, u troupe.User, v *view, panel, flashKey string, change func(ctx context.Context, id string) error) error {
	return s.videoChangeSaying(w, r, u, v, panel, func(ctx context.Context, it app.ItemView) (string, error) {
		return flashKey, change(ctx, it.ID)
	})
}

// videoChangeSaying is videoChange for a change whose message depends on
// the video: change returns the message's key.
func (s *Server) videoChangeSaying(w http.ResponseWriter, r *http.Request, u troupe.User, v *view, panel string, change func(ctx context.Context, it app.ItemView) (string, error)) error {
	it, err := s.itemOf(r, u, v)
	if err != nil {
		return err
	}
	flashKey, err := change(r.Context(), it)
	if err != nil {
		if inPlace(r) {
			return err
		}
		return s.videoFailed(w, r, u, v, it, panel, err)
	}
	// Sent in place, the change is named with its video when the
	// catalog can.
	message := v.T(flashKey)
	if key := flashKey + "_named"; v.cat.Has(key) {
		message = v.T(key, "name", it.Name)
	}
	s.applied(w, r, message, flashKey, itemURL(it)+"#"+panel, nil)
	return nil
}

// videoFailed shows the item page with err explained in panel. Refusals
// are the page's error; so is any error for someone who may not edit the
// video, who has no form to fix.
func (s *Server) videoFailed(w http.ResponseWriter, r *http.Request, u troupe.User, v *view, it app.ItemView, panel string, err error) error {
	switch {
	case pageLevel(err), troupe.ErrorCode(err) == troupe.CodeItemTrashed:
		return err
	case !it.Permissions.CanEdit:
		return app.ErrNotVideoEditor
	}
	p, lerr := s.loadItemPage(r, u, v, it)
	if lerr != nil {
		return lerr
	}
	p.Video.Tab = panel
	p.Video.FileProblems = fileProblems(v, err)
	v.Form["description"] = it.Description
	return showForm(s, w, r, "item", v, p, err)
}

func (s *Server) pagePublish(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error {
	return s.videoChangeSaying(w, r, u, v, panelShare, func(ctx context.Context, it app.ItemView) (string, error) {
		_, err := s.app.Publish(ctx, u, it.ID, s.client(r))
		// The message says who can watch: with a password, not everyone
		// holding the link.
		if it.PasswordSet {
			return "flash.video_published_protected", err
		}
		return "flash.video_published", err
	})
}

func (s *Server) pageUnpublish(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error {
	return s.videoChange(w, r, u, v, panelShare, "flash.video_unpublished", func(ctx context.Context, id string) error {
		return s.app.Unpublish(ctx, u, id, s.client(r))
	})
}

// pagePasswordSet sets or changes the password; an empty one is a
// mistake here, removing has its own button.
func (s *Server) pagePasswordSet(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error {
	pw := r.PostForm.Get("password")
	return s.videoChange(w, r, u, v, panelShare, "flash.video_password_set", func(ctx context.Context, id string) error {
		if pw == "" {
			var val troupe.Validation
			val.Add("password", "required", "Enter a password, or remove the password instead.")
			return val.Err()
		}
		return s.app.SetVideoPassword(ctx, u, id, pw, s.client(r))
	})
}

func (s *Server) pagePasswordRemove(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error {
	return s.videoChange(w, r, u, v, panelShare, "flash.video_password_removed", func(ctx context.Context, id string) error {
		return s.app.SetVideoPassword(ctx, u, id, "", s.client(r))
	})
}

// pageDownloadSet saves the Allow downloads box: an unchecked box sends
// nothing.
func (s *Server) pageDownloadSet(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error {
	allowed := r.PostForm.Get("allowed") != ""
	key := "flash.video_downloads_off"
	if allowed {
		key = "flash.video_downloads_on"
	}
	return s.videoChange(w, r, u, v, panelShare, key, func(ctx context.Context, id string) error {
		return s.app.SetAllowDownload(ctx, u, id, allowed, s.client(r))
	})
}

// publicURL is the address of a published video's page.
func (s *Server) publicURL(slug string) string {
	return strings.TrimRight(s.cfg.BaseURL, "/") + paths.PublicVideo(slug)
}

func (s *Server) handleVideoMedia(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	download := r.URL.Query().Get("download") == "1"
	f, err := s.app.OpenVideoFile(r.Context(), u, r.PathValue("id"), download, firstRange(r))
	if err != nil {
		return err
	}
	defer f.Close()
	serveMedia(w, r, f, "private, no-store", download)
	return nil
}

func (s *Server) handlePasswordPut(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	var in struct {
		Password string `json:"password"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if in.Password == "" {
		var v troupe.Validation
		v.Add("password", "required", "Enter a password, or remove the password instead.")
		return v.Err()
	}
	if err := s.app.SetVideoPassword(r.Context(), u, r.PathValue("id"), in.Password, s.client(r)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) handlePasswordDelete(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	if err := s.app.SetVideoPassword(r.Context(), u, r.PathValue("id"), "", s.client(r)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) handlePublish(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	slug, err := s.app.Publish(r.Context(), u, r.PathValue("id"), s.client(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]string{"url": s.publicURL(slug), "slug": slug})
	return nil
}

func (s *Server) handleUnpublish(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	if err := s.app.Unpublish(r.Context(), u, r.PathValue("id"), s.client(r)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) handleDownloadPut(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	var in struct {
		Allowed *bool `json:"allowed"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if in.Allowed == nil {
		var v troupe.Validation
		v.Add("allowed", "required", "Say whether downloads are allowed: true or false.")
		return v.Err()
	}
	if err := s.app.SetAllowDownload(r.Context(), u, r.PathValue("id"), *in.Allowed, s.client(r)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
