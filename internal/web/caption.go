package web

import (
	"context"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"troupe/internal/app"
	"troupe/internal/captions"
	"troupe/internal/troupe"
)

type captionInfoJSON struct {
	Lang      string    `json:"lang"`
	Label     string    `json:"label"`
	Cues      int       `json:"cue_count"`
	UpdatedAt time.Time `json:"updated_at"`
}

type cueJSON struct {
	StartMS int64  `json:"start_ms"`
	EndMS   int64  `json:"end_ms"`
	Text    string `json:"text"`
}

type captionTrackJSON struct {
	Lang      string    `json:"lang"`
	Label     string    `json:"label"`
	UpdatedAt time.Time `json:"updated_at"`
	Cues      []cueJSON `json:"cues"`
}

func toTrackJSON(t app.CaptionTrack) captionTrackJSON {
	out := captionTrackJSON{Lang: t.Lang, Label: t.Label, UpdatedAt: t.UpdatedAt, Cues: make([]cueJSON, len(t.Cues))}
	for i, c := range t.Cues {
		out.Cues[i] = cueJSON{StartMS: c.Start.Milliseconds(), EndMS: c.End.Milliseconds(), Text: c.Text}
	}
	return out
}

func (s *Server) handleCaptionList(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	list, err := s.app.ListCaptions(r.Context(), u, r.PathValue("id"))
	if err != nil {
		return err
	}
	out := struct {
		Items []captionInfoJSON `json:"items"`
	}{Items: []captionInfoJSON{}}
	for _, c := range list {
		out.Items = append(out.Items, captionInfoJSON{Lang: c.Lang, Label: c.Label, Cues: c.Cues, UpdatedAt: c.UpdatedAt})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// captionFile splits "fr.vtt" into the language and the file format asked
// for; a bare language asks for JSON.
func captionFile(name string) (lang string, format captions.Format) {
	for _, f := range []captions.Format{captions.VTT, captions.SRT} {
		if l, ok := strings.CutSuffix(name, "."+string(f)); ok {
			return l, f
		}
	}
	return name, ""
}

func (s *Server) handleCaptionGet(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	lang, format := captionFile(r.PathValue("lang"))
	t, err := s.app.GetCaptions(r.Context(), u, r.PathValue("id"), lang)
	if err != nil {
		return err
	}
	if format != "" {
		writeCaptionFile(w, t, format, "private, no-store")
		return nil
	}
	writeJSON(w, http.StatusOK, toTrackJSON(t))
	return nil
}

// writeCaptionFile answers a track as a WebVTT or SRT file.
func writeCaptionFile(w http.ResponseWriter, t app.CaptionTrack, format captions.Format, cacheControl string) {
	body, ct := captions.FormatVTT(t.Cues), "text/vtt; charset=utf-8"
	if format == captions.SRT {
		body, ct = captions.FormatSRT(t.Cues), "application/x-subrip; charset=utf-8"
	}
	h := w.Header()
	h.Set("Content-Type", ct)
	h.Set("Cache-Control", cacheControl)
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	h.Set("Content-Disposition", contentDisposition("inline", t.Lang+"."+string(format)))
	w.Write(body)
}

// maxCaptionBody bounds a caption upload: the file limit plus room for a
// JSON cue list's keys.
const maxCaptionBody = 3 * captions.MaxFileSize

func (s *Server) handleCaptionPut(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	in := app.CaptionInput{Label: r.URL.Query().Get("label")}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct == "application/json" {
		var body struct {
			Label string    `json:"label"`
			Cues  []cueJSON `json:"cues"`
		}
		if err := decodeN(w, r, &body, maxCaptionBody); err != nil {
			return err
		}
		if in.Label == "" {
			in.Label = body.Label
		}
		in.Cues = make([]captions.Cue, len(body.Cues))
		for i, c := range body.Cues {
			in.Cues[i] = captions.Cue{Start: time.Duration(c.StartMS) * time.Millisecond, End: time.Duration(c.EndMS) * time.Millisecond, Text: c.Text}
		}
	} else {
		// A file as the body, WebVTT or SRT whatever its Content-Type says:
		// the parser recognises the format. One byte over the limit is
		// enough to refuse it.
		data, err := io.ReadAll(io.LimitReader(r.Body, captions.MaxFileSize+1))
		if err != nil {
			return troupe.Errorf(troupe.CodeMalformed, "The caption file could not be read.")
		}
		in.File, in.FromFile = data, true
	}
	t, err := s.app.PutCaptions(r.Context(), u, r.PathValue("id"), r.PathValue("lang"), in, s.client(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toTrackJSON(t))
	return nil
}

func (s *Server) handleCaptionDelete(w http.ResponseWriter, r *http.Request, u troupe.User) error {
	if err := s.app.DeleteCaptions(r.Context(), u, r.PathValue("id"), r.PathValue("lang"), s.client(r)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// Bounds of the caption forms: an uploaded file (the file limit with room
// for the other fields), and the cue editor's rows.
const (
	maxCaptionUpload = 2 << 20
	maxCaptionForm   = maxCaptionBody
)

// blankCueRows are the empty rows the cue editor offers below the cues,
// so that cues can be added without JavaScript.
const blankCueRows = 3

// --- Captions -----------------------------------------------------------------

// pageCaptionsUpload stores an uploaded SRT or WebVTT file as the captions
// of the language typed in the form (fields first, then the file).
func (s *Server) pageCaptionsUpload(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error {
	it, err := s.itemOf(r, u, v)
	if err != nil {
		return err
	}
	form, err := readUpload(r, troupe.KindVideo)
	if err != nil {
		return err
	}
	lang, label := strings.TrimSpace(form.Extra["lang"]), form.Extra["label"]
	in := app.CaptionInput{Label: label, FromFile: true}
	if form.Media.File == nil {
		var val troupe.Validation
		val.Add("file", "required", "Choose a file to upload.")
		err = val.Err()
	} else if in.File, err = io.ReadAll(io.LimitReader(form.Media.File, captions.MaxFileSize+1)); err != nil {
		return troupe.Errorf(troupe.CodeMalformed, "The caption file could not be read.")
	} else {
		_, err = s.app.PutCaptions(r.Context(), u, it.ID, lang, in, s.client(r))
	}
	if err != nil {
		v.Form["lang"], v.Form["label"] = lang, label
		if len(in.File) > captions.MaxFileSize {
			// The rest of the file is not read: close the connection
			// rather than wait for it.
			w.Header().Set("Connection", "close")
		}
		return s.videoFailed(w, r, u, v, it, panelCaptions, err)
	}
	s.flash(w, r, "flash.captions_saved")
	http.Redirect(w, r, itemURL(it)+"#"+panelCaptions, http.StatusSeeOther)
	return nil
}

func (s *Server) pageCaptionsDelete(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error {
	return s.videoChange(w, r, u, v, panelCaptions, "flash.captions_deleted", func(ctx context.Context, id string) error {
		return s.app.DeleteCaptions(ctx, u, id, r.PathValue("lang"), s.client(r))
	})
}

// fileProblems explains an uploaded file's problems line by line, in the
// page's language when the catalog knows the problem.
func fileProblems(v *view, err error) []string {
	e, ok := troupe.AsError(err)
	if !ok || e.Code != troupe.CodeInvalidCaptions {
		return nil
	}
	var out []string
	for _, f := range e.Fields {
		if f.Field == "file" {
			out = append(out, captionProblem(v, "captions.err.", f))
		}
	}
	return out
}

// captionProblem is one problem of a caption track: the catalog's message
// under prefix for its code, else the app's own.
func captionProblem(v *view, prefix string, f troupe.FieldError) string {
	if key := prefix + f.Code; v.cat.Has(key) {
		return v.T(key, "line", f.Line)
	}
	return f.Message
}

// cueRow is one row of the cue editor, as typed.
type cueRow struct {
	Start, End, Text string
	Error            string
}

func (c cueRow) empty() bool {
	return strings.TrimSpace(c.Start) == "" && strings.TrimSpace(c.End) == "" && strings.TrimSpace(c.Text) == ""
}

// captionEditor is the cue editor of one language of a video.
type captionEditor struct {
	Item   app.ItemView
	Crumbs []app.ItemView
	Lang   string
	// Rows are the cues, then a few empty rows.
	Rows []cueRow
	// Problems sum up what is wrong, row by row, after a failed save.
	Problems []string
	// Cues counts the rows that are not empty.
	Cues int
	// Unsaved says rows were added or removed but nothing saved yet.
	Unsaved bool
	Back    string
}

// Action is where the editor's form posts.
func (p *captionEditor) Action() string {
	return itemURL(p.Item) + "/captions/" + url.PathEscape(p.Lang)
}

// editableVideo loads the video of the URL for its cue editor: only those
// who may edit it get one.
func (s *Server) editableVideo(r *http.Request, u troupe.User, v *view) (app.ItemView, error) {
	it, err := s.app.EditableVideo(r.Context(), u, r.PathValue("id"))
	if err == nil && it.WorkspaceID != v.Workspace.ID {
		return app.ItemView{}, errNoItemHere
	}
	return it, err
}

// showEditor renders the cue editor with blank rows to fill in.
func (s *Server) showEditor(w http.ResponseWriter, r *http.Request, u troupe.User, v *view, p *captionEditor, status int) error {
	crumbs, err := s.app.Breadcrumbs(r.Context(), u, p.Item.ID)
	if err != nil {
		return err
	}
	p.Crumbs = append(crumbs, p.Item)
	p.Back = itemURL(p.Item) + "#" + panelCaptions
	p.Cues = len(p.Rows)
	for range blankCueRows {
		p.Rows = append(p.Rows, cueRow{})
	}
	show(s, w, r, status, "captions_edit", v, p)
	return nil
}

func (s *Server) pageCaptionsEdit(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error {
	it, err := s.editableVideo(r, u, v)
	if err != nil {
		return err
	}
	t, err := s.app.GetCaptions(r.Context(), u, it.ID, r.PathValue("lang"))
	if err != nil {
		return err
	}
	p := &captionEditor{Item: it, Lang: t.Lang}
	for _, c := range t.Cues {
		p.Rows = append(p.Rows, cueRow{Start: captions.FormatEditorTime(c.Start), End: captions.FormatEditorTime(c.End), Text: c.Text})
	}
	v.Form["label"] = t.Label
	return s.showEditor(w, r, u, v, p, http.StatusOK)
}

// pageCaptionsSave saves the editor's rows (start, end and text, in
// order; empty rows are left out) as the language's whole track. Without
// JavaScript, Add cue and Remove post the form too: the page comes back
// with a row more or less, and nothing is saved until Save.
func (s *Server) pageCaptionsSave(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error {
	it, err := s.editableVideo(r, u, v)
	if err != nil {
		return err
	}
	f := r.PostForm
	rows := formRows(f)
	p := &captionEditor{Item: it, Lang: r.PathValue("lang")}
	v.Form["label"] = f.Get("label")
	if i, err := strconv.Atoi(f.Get("remove")); err == nil && i >= 0 && i < len(rows) {
		rows = append(rows[:i:i], rows[i+1:]...)
		p.Unsaved = true
	}
	p.Rows = nonEmpty(rows)
	if p.Unsaved || f.Has("add") {
		p.Unsaved = true
		return s.showEditor(w, r, u, v, p, http.StatusOK)
	}
	cues, ok := parseRows(v, p.Rows)
	if ok {
		var t app.CaptionTrack
		t, err = s.app.PutCaptions(r.Context(), u, it.ID, p.Lang, app.CaptionInput{Label: f.Get("label"), Cues: cues}, s.client(r))
		if err == nil {
			s.applied(w, r, savedMessage(v, t), "flash.captions_saved", itemURL(it)+"#"+panelCaptions, toTrackJSON(t))
			return nil
		}
		switch troupe.ErrorCode(err) {
		case troupe.CodeForbidden, troupe.CodeNotFound, troupe.CodeItemTrashed, troupe.CodeInternal, troupe.CodeUnavailable:
			return err
		}
		v.setError(err)
		markRows(v, p.Rows, err)
	}
	p.Problems = rowProblems(v, p.Rows, err)
	if inPlace(r) {
		// The editor's script marks the rows itself: each row's problem
		// by its index among the rows that are not empty.
		pr := problem{Type: "about:blank", Title: http.StatusText(http.StatusUnprocessableEntity), Status: http.StatusUnprocessableEntity,
			Code: troupe.CodeInvalidCaptions, Detail: v.T("captions.problems"), Instance: r.URL.Path, RequestID: state(r).id}
		for i, c := range p.Rows {
			if c.Error != "" {
				pr.Errors = append(pr.Errors, troupe.FieldError{Field: fmt.Sprintf("cues[%d]", i), Code: "invalid", Message: c.Error})
			}
		}
		if e := v.Err("label"); e != "" {
			pr.Errors = append(pr.Errors, troupe.FieldError{Field: "label", Code: "invalid", Message: e})
		}
		for _, m := range p.Problems {
			pr.Errors = append(pr.Errors, troupe.FieldError{Field: "cues", Code: "invalid", Message: m})
		}
		writeProblem(w, http.StatusUnprocessableEntity, pr)
		return nil
	}
	// The summary above the rows says it all; no second banner.
	v.Error = ""
	return s.showEditor(w, r, u, v, p, http.StatusUnprocessableEntity)
}

// savedMessage names what a save of the cue editor changed.
func savedMessage(v *view, t app.CaptionTrack) string {
	key := "captions.saved_many"
	if len(t.Cues) == 1 {
		key = "captions.saved_one"
	}
	label := t.Label
	if label == "" {
		label = t.Lang
	}
	return v.T(key, "label", label, "count", len(t.Cues))
}

// formRows reads the editor's rows from the parallel start, end and text
// fields.
func formRows(f url.Values) []cueRow {
	starts, ends, texts := f["start"], f["end"], f["text"]
	at := func(values []string, i int) string {
		if i < len(values) {
			return values[i]
		}
		return ""
	}
	rows := make([]cueRow, max(len(starts), len(ends), len(texts)))
	for i := range rows {
		// Browsers send text areas with CRLF line ends.
		rows[i] = cueRow{Start: at(starts, i), End: at(ends, i), Text: strings.ReplaceAll(at(texts, i), "\r\n", "\n")}
	}
	return rows
}

func nonEmpty(rows []cueRow) []cueRow {
	var out []cueRow
	for _, c := range rows {
		if !c.empty() {
			out = append(out, c)
		}
	}
	return out
}

// parseRows reads the rows' times; rows whose times cannot be read get
// their error and no cues come back.
func parseRows(v *view, rows []cueRow) ([]captions.Cue, bool) {
	cues := make([]captions.Cue, len(rows))
	ok := true
	for i := range rows {
		start, okStart := captions.ParseEditorTime(rows[i].Start)
		end, okEnd := captions.ParseEditorTime(rows[i].End)
		if !okStart || !okEnd {
			rows[i].Error = v.T("captions.cue.bad_format")
			ok = false
		}
		cues[i] = captions.Cue{Start: start, End: end, Text: rows[i].Text}
	}
	return cues, ok
}

// markRows puts each problem the app found with cue i next to row i.
func markRows(v *view, rows []cueRow, err error) {
	e, ok := troupe.AsError(err)
	if !ok {
		return
	}
	for _, f := range e.Fields {
		var i int
		if n, _ := fmt.Sscanf(f.Field, "cues[%d]", &i); n == 1 && i >= 0 && i < len(rows) && rows[i].Error == "" {
			rows[i].Error = captionProblem(v, "captions.cue.", f)
		}
	}
}

// rowProblems sums up a failed save: each row's problem, then those about
// the whole track.
func rowProblems(v *view, rows []cueRow, err error) []string {
	var out []string
	for i, c := range rows {
		if c.Error != "" {
			out = append(out, v.T("captions.row_problem", "row", i+1, "message", c.Error))
		}
	}
	if e, ok := troupe.AsError(err); ok {
		for _, f := range e.Fields {
			var i int
			if n, _ := fmt.Sscanf(f.Field, "cues[%d]", &i); n == 1 && i >= 0 && i < len(rows) {
				continue
			}
			if f.Field == "label" {
				continue // shown under its field
			}
			out = append(out, captionProblem(v, "captions.cue.", f))
		}
	}
	return out
}
