package web

import (
	"net/http"

	"troupe/internal/app"
	"troupe/internal/troupe"
)

// videoFile names the file a route of a video's processed files serves:
// a fixed name, or a rendition's or an HLS file's from the path.
func videoFile(r *http.Request, file string) string {
	switch file {
	case app.FileRendition:
		return file + r.PathValue("name")
	case app.FileHLS:
		return file + r.PathValue("file")
	}
	return file
}

// handleVideoFile serves a file processing made of a video (see
// app.OpenVideoDerived) with Range support, as the video itself.
func (s *Server) handleVideoFile(file string) userAPIHandler {
	return func(w http.ResponseWriter, r *http.Request, u troupe.User) error {
		f, err := s.app.OpenVideoDerived(r.Context(), u, r.PathValue("id"), videoFile(r, file), firstRange(r))
		if err != nil {
			return err
		}
		defer f.Close()
		serveMedia(w, r, f, "private, no-store", false)
		return nil
	}
}

// publicFile serves a file processing made of a published video, under
// the page's path: the page's password cookie covers it, and
// unpublishing makes it 404 as the page.
func (s *Server) publicFile(file string) pageHandler {
	return func(w http.ResponseWriter, r *http.Request) error {
		f, p, err := s.app.OpenPublicDerived(r.Context(), r.PathValue("slug"), visitorPass(r), videoFile(r, file), firstRange(r))
		if err != nil {
			return plainError(w, err)
		}
		defer f.Close()
		serveMedia(w, r, f, publicCache(p), false)
		return nil
	}
}

func (s *Server) handleProcessingRetry(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	it, err := s.app.RetryProcessing(r.Context(), u, r.PathValue("id"), s.client(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, toItemJSON(it, true))
	return nil
}

// handlePosterPut chooses the poster's time; the new poster follows from
// the background.
func (s *Server) handlePosterPut(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	var in struct {
		AtMS *int64 `json:"at_ms"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if in.AtMS == nil {
		var v troupe.Validation
		v.Add("at_ms", "required", "Give the poster's time in milliseconds.")
		return v.Err()
	}
	it, err := s.app.SetPosterTime(r.Context(), u, r.PathValue("id"), *in.AtMS, s.client(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, toItemJSON(it, true))
	return nil
}
