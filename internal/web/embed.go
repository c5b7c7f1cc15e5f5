package web

import (
	"fmt"
	"html"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"troupe/internal/app"
	"troupe/internal/paths"
	"troupe/internal/troupe"
)

// allowFraming lets the sites in ancestors (a frame-ancestors source
// list) show this response in a frame: X-Frame-Options cannot name
// origins, so it goes, and the policy's frame-ancestors says who may.
func allowFraming(w http.ResponseWriter, ancestors string) {
	if ancestors == "'none'" {
		return
	}
	h := w.Header()
	h.Del("X-Frame-Options")
	csp := h.Get("Content-Security-Policy")
	h.Set("Content-Security-Policy", strings.Replace(csp, "frame-ancestors 'none'", "frame-ancestors "+ancestors, 1))
}

func (s *Server) pageEmbed(w http.ResponseWriter, r *http.Request) error {
	p, err := s.app.PublicVideo(r.Context(), r.PathValue("slug"), visitorPass(r))
	if err != nil {
		return err
	}
	allowFraming(w, p.FrameAncestors)
	w.Header().Set("X-Robots-Tag", "noindex")
	v := s.publicView(r, p)
	if p.Locked {
		s.pages.render(w, http.StatusOK, "embed_locked", v)
		return nil
	}
	s.pages.render(w, http.StatusOK, "embed", v)
	return nil
}

// pageEmbedUnlock checks a password typed in the frame. Its cookie is
// sent from inside another site's frame only as SameSite=None, which
// browsers accept only with Secure: over plain http a password embed
// unlocks on its own site's pages alone.
func (s *Server) pageEmbedUnlock(w http.ResponseWriter, r *http.Request) error {
	slug := r.PathValue("slug")
	pass, p, err := s.app.Unlock(r.Context(), slug, r.PostFormValue("password"), s.client(r))
	if code := troupe.ErrorCode(err); err != nil && (code == troupe.CodeWrongPassword || code == troupe.CodeRateLimited) {
		allowFraming(w, p.FrameAncestors)
		v := s.publicView(r, p)
		v.setError(err)
		setRetryAfter(w, err)
		s.pages.render(w, httpStatus(code), "embed_locked", v)
		return nil
	} else if err != nil {
		return err
	}
	if pass != "" {
		// Over https the cookie is sent from other sites' frames, kept
		// apart per embedding site (Partitioned) where browsers block
		// third-party cookies otherwise.
		site, partitioned := http.SameSiteLaxMode, false
		if s.isSecure(r) {
			site, partitioned = http.SameSiteNoneMode, true
		}
		for _, path := range []string{paths.PublicVideo(slug), paths.Embed(slug)} {
			s.setCookie(w, r, &http.Cookie{Name: passCookie, Value: pass, Path: path, MaxAge: int(app.VisitorPassAge.Seconds()),
				HttpOnly: true, SameSite: site, Partitioned: partitioned})
		}
	}
	http.Redirect(w, r, paths.Embed(slug), http.StatusSeeOther)
	return nil
}

// embedSize is the frame's size for a video of width × height (16:9 at
// 1280 wide until probed), scaled down to fit maxW × maxH when given.
func embedSize(width, height, maxW, maxH int) (int, int) {
	if width <= 0 || height <= 0 {
		width, height = 1280, 720
	}
	scale := 1.0
	if maxW > 0 && width > maxW {
		scale = float64(maxW) / float64(width)
	}
	if maxH > 0 && float64(height)*scale > float64(maxH) {
		scale = float64(maxH) / float64(height)
	}
	return int(math.Round(float64(width) * scale)), int(math.Round(float64(height) * scale))
}

// embedCode is the iframe that shows a link's player at width × height.
func embedCode(src, title string, width, height int) string {
	return fmt.Sprintf(`<iframe src="%s" width="%d" height="%d" title="%s" frameborder="0" allow="autoplay; fullscreen; picture-in-picture" allowfullscreen></iframe>`,
		html.EscapeString(src), width, height, html.EscapeString(title))
}

// responsiveEmbedCode is the iframe in a box that keeps the video's
// shape at any width, for pasting into a page.
func responsiveEmbedCode(src, title string, width, height int) string {
	w, h := embedSize(width, height, 0, 0)
	ratio := strconv.FormatFloat(float64(h)*100/float64(w), 'f', 4, 64)
	return `<div style="position:relative;padding-top:` + strings.TrimRight(strings.TrimRight(ratio, "0"), ".") + `%">` +
		fmt.Sprintf(`<iframe src="%s" title="%s" style="position:absolute;inset:0;width:100%%;height:100%%;border:0" allow="autoplay; fullscreen; picture-in-picture" allowfullscreen></iframe>`,
			html.EscapeString(src), html.EscapeString(title)) + `</div>`
}

// oembedSlug is the slug of a share or embed page address on this
// server, or "".
func (s *Server) oembedSlug(raw string) string {
	u, err := url.Parse(raw)
	base, berr := url.Parse(s.cfg.BaseURL)
	if err != nil || berr != nil || !strings.EqualFold(u.Host, base.Host) || (u.Scheme != "http" && u.Scheme != "https") {
		return ""
	}
	rest, ok := strings.CutPrefix(u.Path, strings.TrimRight(base.Path, "/")+"/")
	if !ok {
		return ""
	}
	kind, slug, ok := strings.Cut(rest, "/")
	if !ok || (kind != "v" && kind != "e") || !troupe.WellFormedSlug(slug) {
		return ""
	}
	return slug
}

type oembedJSON struct {
	Version         string `json:"version"`
	Type            string `json:"type"`
	ProviderName    string `json:"provider_name"`
	ProviderURL     string `json:"provider_url"`
	Title           string `json:"title"`
	HTML            string `json:"html"`
	Width           int    `json:"width"`
	Height          int    `json:"height"`
	ThumbnailURL    string `json:"thumbnail_url,omitempty"`
	ThumbnailWidth  int    `json:"thumbnail_width,omitempty"`
	ThumbnailHeight int    `json:"thumbnail_height,omitempty"`
}

// handleOEmbed answers oEmbed 1.0 for the share and embed pages of links
// that anyone holding them may watch and that may be embedded: a link
// with a password, or without embedding, has no public card to give.
func (s *Server) handleOEmbed(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if f := q.Get("format"); f != "" && f != "json" {
		return plainStatus(w, http.StatusNotImplemented, "Only format=json is served.")
	}
	slug := s.oembedSlug(q.Get("url"))
	if slug == "" {
		return plainStatus(w, http.StatusNotFound, "No such video.")
	}
	p, err := s.app.PublicVideo(r.Context(), slug, "")
	switch {
	case troupe.ErrorCode(err) == troupe.CodeNotFound || troupe.ErrorCode(err) == troupe.CodeLinkExpired:
		return plainStatus(w, http.StatusNotFound, "No such video.")
	case err != nil:
		return err
	case p.Protected || p.FrameAncestors == "'none'":
		return plainStatus(w, http.StatusNotFound, "No such video.")
	}
	maxW, _ := strconv.Atoi(q.Get("maxwidth"))
	maxH, _ := strconv.Atoi(q.Get("maxheight"))
	width, height := embedSize(p.Width, p.Height, maxW, maxH)
	out := oembedJSON{Version: "1.0", Type: "video", ProviderName: "Troupe", ProviderURL: s.absURL("/"), Title: p.Name,
		HTML: embedCode(s.absURL(paths.Embed(slug)), p.Name, width, height), Width: width, Height: height}
	if p.HasPoster {
		out.ThumbnailURL = s.absURL(paths.PublicVideo(slug) + "/poster")
		out.ThumbnailWidth, out.ThumbnailHeight = embedSize(p.Width, p.Height, 0, 0)
	}
	w.Header().Set("Access-Control-Allow-Origin", "*")
	w.Header().Set("Cache-Control", "no-cache")
	writeJSON(w, http.StatusOK, out)
	return nil
}

// plainStatus answers with status and a line of text.
func plainStatus(w http.ResponseWriter, status int, msg string) error {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write([]byte(msg + "\n"))
	return nil
}

// oembedURL is the oEmbed address of the share page under slug.
func (s *Server) oembedURL(slug string) string {
	return s.absURL("/oembed?format=json&url=" + url.QueryEscape(s.publicURL(slug)))
}
