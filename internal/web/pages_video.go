package web

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"troupe/internal/app"
	"troupe/internal/captions"
	"troupe/internal/troupe"
)

// Bounds of the caption forms: an uploaded file (the file limit with room
// for the other fields), and the cue editor's rows.
const (
	maxCaptionUpload = 2 << 20
	maxCaptionForm   = maxCaptionBody
)

// blankCueRows are the empty rows the cue editor offers below the cues,
// so that cues can be added without JavaScript.
const blankCueRows = 3

// routeVideoPages registers the forms of a video's page: publishing, the
// password, downloads and captions.
func (s *Server) routeVideoPages(inWorkspace func(string, wsHandler), large func(string, int64, wsHandler)) {
	inWorkspace("POST /w/{ws}/items/{id}/publish", s.pagePublish)
	inWorkspace("POST /w/{ws}/items/{id}/unpublish", s.pageUnpublish)
	inWorkspace("POST /w/{ws}/items/{id}/password", s.pagePasswordSet)
	inWorkspace("POST /w/{ws}/items/{id}/password/remove", s.pagePasswordRemove)
	inWorkspace("POST /w/{ws}/items/{id}/download", s.pageDownloadSet)
	large("POST /w/{ws}/items/{id}/captions", maxCaptionUpload, s.pageCaptionsUpload)
	inWorkspace("GET /w/{ws}/items/{id}/captions/{lang}", s.pageCaptionsEdit)
	large("POST /w/{ws}/items/{id}/captions/{lang}", maxCaptionForm, s.pageCaptionsSave)
	inWorkspace("POST /w/{ws}/items/{id}/captions/{lang}/delete", s.pageCaptionsDelete)
}

// The panels of a video's page, also the fragments forms come back to.
const (
	panelShare    = "share"
	panelCaptions = "captions"
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
	if vp.PublicSlug != "" {
		p.PublicURL = s.publicURL(vp.PublicSlug)
	}
	return p, nil
}

// videoChange runs a change of the video's page from one of its forms and
// comes back to the item page at panel; an error the form can fix is
// explained on that page instead.
func (s *Server) videoChange(w http.ResponseWriter, r *http.Request, u troupe.User, v *view, panel, flashKey string, change func(ctx context.Context, id string) error) error {
	it, err := s.itemOf(r, u, v)
	if err != nil {
		return err
	}
	if err := change(r.Context(), it.ID); err != nil {
		return s.videoFailed(w, r, u, v, it, panel, err)
	}
	s.flash(w, r, flashKey)
	http.Redirect(w, r, itemURL(it)+"#"+panel, http.StatusSeeOther)
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
	if lerr := s.loadItemPage(r, u, v, it); lerr != nil {
		return lerr
	}
	p := v.Data.(*itemPage)
	p.Video.Tab = panel
	p.Video.FileProblems = fileProblems(v, err)
	v.Form["description"] = it.Description
	return s.showForm(w, r, "item", v, err)
}

func (s *Server) pagePublish(w http.ResponseWriter, r *http.Request, u troupe.User, v *view) error {
	return s.videoChange(w, r, u, v, panelShare, "flash.video_published", func(ctx context.Context, id string) error {
		_, err := s.app.Publish(ctx, u, id, s.client(r))
		return err
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
	v.Data = p
	s.show(w, r, status, "captions_edit", v)
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
		p.Rows = append(p.Rows, cueRow{Start: cueTime(c.Start), End: cueTime(c.End), Text: c.Text})
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
		_, err = s.app.PutCaptions(r.Context(), u, it.ID, p.Lang, app.CaptionInput{Label: f.Get("label"), Cues: cues}, s.client(r))
		if err == nil {
			s.flash(w, r, "flash.captions_saved")
			http.Redirect(w, r, itemURL(it)+"#"+panelCaptions, http.StatusSeeOther)
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
	// The summary above the rows says it all; no second banner.
	v.Error = ""
	return s.showEditor(w, r, u, v, p, http.StatusUnprocessableEntity)
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
		start, okStart := parseCueTime(rows[i].Start)
		end, okEnd := parseCueTime(rows[i].End)
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

// cueTimeFormat is how the editor reads times: [hh:]mm:ss[.mmm], with a
// comma allowed for the dot as in SRT.
var cueTimeFormat = regexp.MustCompile(`^(?:(\d{1,2}):)?(\d{1,2}):(\d{2})(?:[.,](\d{1,3}))?$`)

// parseCueTime reads a time typed in the editor.
func parseCueTime(s string) (time.Duration, bool) {
	m := cueTimeFormat.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return 0, false
	}
	h, _ := strconv.Atoi(m[1])
	min, _ := strconv.Atoi(m[2])
	sec, _ := strconv.Atoi(m[3])
	ms, _ := strconv.Atoi((m[4] + "00")[:3])
	if min > 59 || sec > 59 {
		return 0, false
	}
	return time.Duration(h)*time.Hour + time.Duration(min)*time.Minute + time.Duration(sec)*time.Second + time.Duration(ms)*time.Millisecond, true
}

// cueTime writes a time as the editor shows it: mm:ss.mmm, with the hours
// in front past the first hour.
func cueTime(d time.Duration) string {
	ms := d.Milliseconds()
	h, m, s, f := ms/3_600_000, ms/60_000%60, ms/1000%60, ms%1000
	if h > 0 {
		return fmt.Sprintf("%02d:%02d:%02d.%03d", h, m, s, f)
	}
	return fmt.Sprintf("%02d:%02d.%03d", m, s, f)
}

// --- Template helpers -------------------------------------------------------

// captionLang is a suggestion of the caption upload's language field.
type captionLang struct{ Tag, Name string }

// commonCaptionLangs are the languages the upload form suggests.
var commonCaptionLangs = func() []captionLang {
	var out []captionLang
	for _, tag := range []string{"en", "fr", "de", "es", "it", "pt-BR", "ja"} {
		out = append(out, captionLang{Tag: tag, Name: display.Self.Name(language.MustParse(tag))})
	}
	return out
}()

// CaptionLangs are the language tags the upload form suggests, each with
// its name in that language.
func (v *view) CaptionLangs() []captionLang { return commonCaptionLangs }

// CaptionFile is a member's address of a video's captions in format.
func (v *view) CaptionFile(it app.ItemView, lang, format string) string {
	return "/api/v1/videos/" + url.PathEscape(it.ID) + "/captions/" + url.PathEscape(lang) + "." + format
}

// VideoDownload is a member's address for downloading a video.
func (v *view) VideoDownload(it app.ItemView) string {
	return "/api/v1/videos/" + url.PathEscape(it.ID) + "/media?download=1"
}

// GeneralAccess names an item's general access as the Share dialog does.
func (v *view) GeneralAccess(sh *app.Sharing) string {
	switch {
	case sh.Workspace != troupe.LevelNone:
		return v.T("share.general_workspace") + " · " + v.LevelName(sh.Workspace)
	case len(sh.Shares) > 0:
		return v.T("share.selected")
	}
	return v.T("share.only_me")
}

// cueRowView is what the cue editor's row template receives: the page's
// view, the row's index (-1 for the template of new rows), its number as
// shown, and what it holds.
type cueRowView struct {
	*view
	I, N int
	Row  cueRow
}

// CueRow pairs the view with row i of the cue editor.
func (v *view) CueRow(i int, row cueRow) cueRowView {
	return cueRowView{view: v, I: i, N: i + 1, Row: row}
}

// BlankCue is an empty row of the cue editor.
func (v *view) BlankCue() cueRow { return cueRow{} }
