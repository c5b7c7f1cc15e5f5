package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"path"
	"time"

	"troupe/internal/captions"

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

// handleProcessingStream sends an item's processing state as server-sent
// events ("processing", the item's processing JSON with its poster and
// thumbnail URLs) each time it changes, until it is ready or failed. It
// reads the item again each second, through the same access check as
// the item itself, so access taken away ends the stream.
func (s *Server) handleProcessingStream(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	it, err := s.app.GetItem(r.Context(), u, r.PathValue("id"))
	if err != nil {
		return err
	}
	flusher, ok := w.(http.Flusher)
	if !ok {
		return troupe.Errorf(troupe.CodeInternal, "streaming is not supported here")
	}
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	stop := context.AfterFunc(s.streams, cancel) // server shutdown ends streams
	defer stop()
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	var last []byte
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		out := toItemJSON(it, true)
		state := struct {
			Processing   *processingJSON `json:"processing"`
			PosterURL    string          `json:"poster_url,omitempty"`
			ThumbnailURL string          `json:"thumbnail_url,omitempty"`
			DurationMS   *int64          `json:"duration_ms,omitempty"`
		}{out.Processing, out.PosterURL, out.ThumbnailURL, out.DurationMS}
		b, err := json.Marshal(state)
		if err != nil {
			return nil
		}
		if !bytes.Equal(b, last) {
			last = b
			fmt.Fprintf(w, "event: processing\ndata: %s\n\n", b)
			flusher.Flush()
		}
		if p := it.Processing.State; p == "" || p == troupe.ProcessingReady || p == troupe.ProcessingFailed {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		if it, err = s.app.GetItem(ctx, u, it.ID); err != nil {
			return nil
		}
	}
}

// pageProcessingRetry starts the processing of a failed upload again,
// from the item page's Retry button.
func (s *Server) pageProcessingRetry(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error {
	return s.videoChange(w, r, u, v, panelShare, "flash.processing_retried", func(ctx context.Context, id string) error {
		_, err := s.app.RetryProcessing(ctx, u, id, s.client(r))
		return err
	})
}

// pagePosterPut chooses the poster's time from the item page: the
// player's current frame with JavaScript, a typed time without.
func (s *Server) pagePosterPut(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error {
	return s.videoChange(w, r, u, v, panelShare, "flash.poster_chosen", func(ctx context.Context, id string) error {
		at, ok := captions.ParseEditorTime(r.PostFormValue("at"))
		if !ok {
			var bad troupe.Validation
			bad.Add("at", "invalid", "Give the poster's time as m:ss or h:mm:ss.")
			return bad.Err()
		}
		_, err := s.app.SetPosterTime(ctx, u, id, at.Milliseconds(), s.client(r))
		return err
	})
}

// HLS is the address of a video's HLS playlist, "" when it has none.
func (v *view) HLS(it app.ItemView) string {
	if it.HLSKey == "" {
		return ""
	}
	return "/api/v1/videos/" + url.PathEscape(it.ID) + "/" + app.FileHLS + path.Base(it.HLSKey)
}

// ProcessingPercent is the share of an item's processing done, 0..100.
func (v *view) ProcessingPercent(p troupe.Processing) int {
	return int(math.Round(math.Max(0, math.Min(1, p.Progress)) * 100))
}
