package web

import (
	"net/http"

	"troupe/internal/app"
	"troupe/internal/paths"
	"troupe/internal/troupe"
)

// passCookie holds a visitor's unlock of one public page; its path keeps
// it to that page.
const passCookie = "troupe_pass"

func visitorPass(r *http.Request) string {
	if c, err := r.Cookie(passCookie); err == nil {
		return c.Value
	}
	return ""
}

// publicView is the public page's view: no user, no workspace, only the
// video.
type publicView struct {
	app.PublicPage
	URL       string
	MediaURL  string
	PosterURL string
	// WebRenditionURL is the MP4 every browser plays, the player's first
	// choice when processing made one.
	WebRenditionURL string
	// HLSURL is its HLS ladder's master playlist, "" without one.
	HLSURL string
	// OEmbedURL is the page's oEmbed address, for a link anyone holding it
	// may watch and embed; "" otherwise.
	OEmbedURL string
	// BeaconURL is where the player reports what was watched.
	BeaconURL string
}

func (s *Server) publicView(r *http.Request, p app.PublicPage) page[publicView] {
	base := paths.PublicVideo(p.Slug)
	pv := publicView{PublicPage: p, URL: s.publicURL(p.Slug), MediaURL: base + "/media", BeaconURL: base + "/events"}
	if p.HasPoster && !p.Protected {
		pv.PosterURL = base + "/poster"
	}
	if p.HasWebRendition {
		pv.WebRenditionURL = base + "/" + app.FileRendition + app.WebRenditionName
	}
	if p.HLSPlaylist != "" {
		pv.HLSURL = base + "/" + app.FileHLS + p.HLSPlaylist
	}
	if !p.Protected && p.FrameAncestors != "'none'" {
		pv.OEmbedURL = s.oembedURL(p.Slug)
	}
	v := &view{cat: s.cat, Lang: s.lang(r), Path: r.URL.Path, Fields: map[string]string{}, Form: map[string]string{}}
	return page[publicView]{view: v, Data: pv}
}

func (s *Server) pagePublicVideo(w http.ResponseWriter, r *http.Request) error {
	p, err := s.app.PublicVideo(r.Context(), r.PathValue("slug"), visitorPass(r))
	if err != nil {
		return err
	}
	v := s.publicView(r, p)
	if p.Protected {
		// Nothing of a protected page belongs in a search index.
		w.Header().Set("X-Robots-Tag", "noindex, nofollow")
	}
	if p.Locked {
		s.pages.render(w, http.StatusOK, "public_locked", v)
		return nil
	}
	s.viewerID(w, r)
	s.pages.render(w, http.StatusOK, "public_video", v)
	return nil
}

func (s *Server) pagePublicUnlock(w http.ResponseWriter, r *http.Request) error {
	slug := r.PathValue("slug")
	// The password only ever comes in the body: one in the address would
	// end up in logs and histories, and is ignored.
	pass, p, err := s.app.Unlock(r.Context(), slug, r.PostFormValue("password"), s.client(r))
	switch troupe.ErrorCode(err) {
	case troupe.CodeWrongPassword, troupe.CodeRateLimited:
		v := s.publicView(r, p)
		v.setError(err)
		setRetryAfter(w, err)
		w.Header().Set("X-Robots-Tag", "noindex, nofollow")
		s.pages.render(w, httpStatus(troupe.ErrorCode(err)), "public_locked", v)
		return nil
	case "":
	default:
		if err != nil {
			return err
		}
	}
	if pass != "" {
		s.setCookie(w, r, &http.Cookie{Name: passCookie, Value: pass, Path: paths.PublicVideo(slug), MaxAge: int(app.VisitorPassAge.Seconds()),
			HttpOnly: true, SameSite: http.SameSiteLaxMode})
	}
	http.Redirect(w, r, paths.PublicVideo(slug), http.StatusSeeOther)
	return nil
}

// publicCache is the caching of what a public page serves: a protected
// page's files stay out of shared caches, and nothing is kept without
// asking again, so that unpublishing takes effect at once.
func publicCache(p app.PublicPage) string {
	if p.Protected {
		return "private, no-store"
	}
	return "no-cache"
}

func (s *Server) publicMedia(poster bool) pageHandler {
	return func(w http.ResponseWriter, r *http.Request) error {
		slug, pass := r.PathValue("slug"), visitorPass(r)
		download := r.URL.Query().Get("download") == "1"
		f, p, err := s.app.OpenPublicMedia(r.Context(), slug, pass, poster, download, firstRange(r))
		if err != nil {
			return plainError(w, err)
		}
		defer f.Close()
		serveMedia(w, r, f, publicCache(p), download)
		return nil
	}
}

func (s *Server) publicCaptions(w http.ResponseWriter, r *http.Request) error {
	lang, format := captionFile(r.PathValue("file"))
	if format == "" {
		return plainError(w, troupe.Errorf(troupe.CodeNotFound, "No such captions."))
	}
	t, p, err := s.app.PublicCaptions(r.Context(), r.PathValue("slug"), visitorPass(r), lang)
	if err != nil {
		return plainError(w, err)
	}
	writeCaptionFile(w, t, format, publicCache(p))
	return nil
}

// plainError answers a file request that failed with its status and a
// line of text: a player or a crawler has no use for an error page.
func plainError(w http.ResponseWriter, err error) error {
	code := troupe.ErrorCode(err)
	if code == troupe.CodeInternal {
		return err
	}
	setRetryAfter(w, err)
	return plainStatus(w, httpStatus(code), troupe.ErrorMessage(err))
}
