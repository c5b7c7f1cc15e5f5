package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"troupe/internal/app"
	"troupe/internal/i18n"
	"troupe/internal/paths"
	"troupe/internal/troupe"
)

// view is what every page template receives.
type view struct {
	cat    *i18n.Catalog
	Lang   string
	User   *troupe.User
	Path   string
	Flash  string
	Error  string
	Fields map[string]string
	Form   map[string]string
	Status int
	// Workspaces are the user's workspaces, for the sidebar's switcher;
	// Workspace is the one the page is about, else the current one.
	Workspaces []app.WorkspaceView
	Workspace  *app.WorkspaceView
	// Notes feed the notifications bell of signed-in pages.
	Notes *notesView
	// newIn is where the page's New menu creates items; the pages of a
	// folder's content and of an item set it, elsewhere it is the root.
	newIn newPlace
	// Providers are the identity providers the sign-in page offers.
	Providers []ssoLink
}

// T translates key into the page's language.
func (v *view) T(key string, args ...any) string { return v.cat.T(v.Lang, key, args...) }

// Err returns the message for a field, if it has one.
func (v *view) Err(field string) string { return v.Fields[field] }

// Val returns the submitted value of a field, to refill the form.
func (v *view) Val(field string) string { return v.Form[field] }

// ChangeEmailLink opens the form that corrects an unverified address,
// coming back to this page afterwards.
func (v *view) ChangeEmailLink() string { return paths.ChangeEmail(v.Path) }

// newView starts the view of a page for r.
func (s *Server) newView(r *http.Request) *view {
	u, _ := s.currentUser(r)
	v := &view{cat: s.cat, Lang: s.lang(r), User: u, Path: r.URL.Path, Fields: map[string]string{}, Form: map[string]string{}}
	if u != nil {
		s.fillWorkspaces(r, *u, v)
		s.fillNotifications(r, *u, v)
	}
	return v
}

// bareView starts a page from the request alone, for when the database
// may be what failed: no sidebar, no notifications, and the language of a
// user only when the request already knows them.
func (s *Server) bareView(r *http.Request) *view {
	setting := ""
	if u := state(r).user; u != nil {
		setting = u.Locale
	} else if c, err := r.Cookie(langCookie); err == nil {
		setting = c.Value
	}
	return &view{cat: s.cat, Lang: s.cat.Match(setting, r.Header.Get("Accept-Language")), Path: r.URL.Path,
		Fields: map[string]string{}, Form: map[string]string{}}
}

// setError turns err into a banner and field messages in the page's
// language, falling back to the error's own message. A field's message is
// looked up for that field first ("fielderr.seats.out_of_range"), then
// for its code alone.
func (v *view) setError(err error) {
	code := troupe.ErrorCode(err)
	if key := "error." + string(code); v.cat.Has(key) {
		v.Error = v.T(key)
	} else {
		v.Error = troupe.ErrorMessage(err)
	}
	if e, ok := troupe.AsError(err); ok {
		// A refusal says whom to ask, in the page's language.
		if r := e.Refusal; r != nil && v.cat.Has("error.forbidden_"+r.Need) {
			v.Error = v.T("error.forbidden_"+r.Need, "name", r.Owner)
		}
		for _, f := range e.Fields {
			if key := "fielderr." + f.Field + "." + f.Code; v.cat.Has(key) {
				v.Fields[f.Field] = v.T(key)
			} else if key := "fielderr." + f.Code; v.cat.Has(key) {
				v.Fields[f.Field] = v.T(key)
			} else {
				v.Fields[f.Field] = f.Message
			}
		}
		if len(e.Fields) > 0 {
			v.Error = v.T("error.validation_failed")
		}
	}
}

// fieldView is one labelled input of a form.
type fieldView struct {
	Name, Type, Label, Hint, Value, Error, Autocomplete string
}

// anyPage is what a template runs on: a view, or a page embedding one.
type anyPage interface{ base() *view }

func (v *view) base() *view { return v }

// makeField builds the view of an input of page pg: name, type, catalog
// key of its label, autocomplete token and optionally the catalog key of
// a hint. Passwords are never sent back to the browser.
func makeField(pg anyPage, name, typ, labelKey, autocomplete string, hintKey ...string) fieldView {
	v := pg.base()
	f := fieldView{Name: name, Type: typ, Label: v.T(labelKey), Error: v.Err(name), Autocomplete: autocomplete}
	if typ != "password" {
		f.Value = v.Val(name)
	}
	if len(hintKey) > 0 {
		f.Hint = v.T(hintKey[0])
	}
	return f
}

// --- Template helpers -------------------------------------------------------

// Count picks the "_one" or "_many" form of a message for n.
func (v *view) Count(key string, n int) string {
	if n == 1 {
		return v.T(key+"_one", "count", n)
	}
	return v.T(key+"_many", "count", n)
}

// timeView is an instant as a page shows it in a <time> element: At for
// the browser, which says Title (and a date in Text) again in the
// reader's time zone and language; Text and Title are the server's words
// in the page's language, in UTC, until then. Never an ISO date.
type timeView struct {
	At, Text, Title string
	// Local tells the browser what to rewrite: "date" for a Text that is
	// a date, "time" for the title alone (relative times read the same
	// everywhere, and some dates are a day the reader chose).
	Local string
	// On is the word a sentence puts before a date ("on", "le"), empty
	// before a relative time.
	On string
}

// When is t for a column or a list: relative while recent, else its date.
func (v *view) When(t time.Time) timeView { return v.whenAt(t, time.Now()) }

// whenAt is When as seen at now.
func (v *view) whenAt(t, now time.Time) timeView {
	tv := timeView{At: t.UTC().Format(time.RFC3339), Title: v.Exact(t), Local: "time"}
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		tv.Text = v.T("time.just_now")
	case d < time.Hour:
		tv.Text = v.Count("time.minutes_ago", int(d.Minutes()))
	case d < 24*time.Hour:
		tv.Text = v.Count("time.hours_ago", int(d.Hours()))
	case d < 30*24*time.Hour:
		tv.Text = v.Count("time.days_ago", int(d.Hours()/24))
	default:
		tv.Text, tv.Local = v.Date(t), "date"
	}
	return tv
}

// WhenOn is When inside a sentence ("Updated 3 days ago", "Updated on
// March 12, 2025").
func (v *view) WhenOn(t time.Time) timeView {
	tv := v.When(t)
	if tv.Local == "date" {
		tv.On = v.T("time.on")
	}
	return tv
}

// Day is the date of t, which the browser says again in its time zone.
func (v *view) Day(t time.Time) timeView {
	return timeView{At: t.UTC().Format(time.RFC3339), Text: v.Date(t), Title: v.Exact(t), Local: "date"}
}

// LastDay is the last day something works until end (exclusive), the
// day a reader chose in UTC: the browser says only its title again.
func (v *view) LastDay(end time.Time) timeView {
	tv := v.Day(end.Add(-time.Second))
	tv.Local = "time"
	return tv
}

// Date is a day in the page's language ("12 mars 2025"), in UTC.
func (v *view) Date(t time.Time) string {
	t = t.UTC()
	months := strings.Split(v.T("time.months"), ",")
	month := t.Month().String()
	if len(months) == 12 {
		month = months[t.Month()-1]
	}
	key := "time.date"
	if t.Day() == 1 {
		key = "time.date_first" // "1er mars"
	}
	return v.T(key, "day", t.Day(), "month", month, "year", t.Year())
}

// Exact is the day and time in the page's language, in UTC, shown on
// hover until the browser says it in the reader's time zone.
func (v *view) Exact(t time.Time) string {
	return v.T("time.exact", "date", v.Date(t), "time", t.UTC().Format("15:04"))
}

// timeSentence is a message with a <time> in it: the text before and
// after it, already in the page's language.
type timeSentence struct {
	Before, After string
	Time          timeView
}

// Sentence places tv where message key names arg, so that the browser
// may rewrite the time and leave the words around it.
func (v *view) Sentence(key, arg string, tv timeView, args ...any) timeSentence {
	const mark = "\x00"
	before, after, _ := strings.Cut(v.T(key, append([]any{arg, mark}, args...)...), mark)
	return timeSentence{Before: before, After: after, Time: tv}
}

// RoleName is a role in the page's language.
func (v *view) RoleName(r troupe.Role) string { return v.T("role." + string(r)) }

// choiceField is a setting with a fixed set of values, shown as a select
// or radio buttons; its texts come from the catalog ("settings.<name>",
// "settings.<name>.<value>", optional "…_hint").
type choiceField struct {
	Name, Label, Hint, Error string
	Options                  []choiceOption
}

type choiceOption struct {
	Value, Label, Hint string
	Selected           bool
}

// Choice builds a setting's field from the form's value; templates call it
// so that the field's error is already known.
func (v *view) Choice(name string, values ...string) choiceField {
	key := "settings." + name
	f := choiceField{Name: name, Label: v.T(key), Error: v.Err(name)}
	if v.cat.Has(key + "_hint") {
		f.Hint = v.T(key + "_hint")
	}
	for _, val := range values {
		o := choiceOption{Value: val, Label: v.T(key + "." + val), Selected: v.Val(name) == val}
		if v.cat.Has(key + "." + val + "_hint") {
			o.Hint = v.T(key + "." + val + "_hint")
		}
		f.Options = append(f.Options, o)
	}
	return f
}

// ActionName is an audit action in the page's language, or as recorded
// when the catalog does not know it.
func (v *view) ActionName(action string) string {
	if key := "audit.action." + action; v.cat.Has(key) {
		return v.T(key)
	}
	return action
}

// newMenu is the top bar's New menu: where new items go.
type newMenu struct {
	WorkspaceID, ParentID, Back string
}

// newPlace is where a page's New menu creates items: in folder ParentID
// (the root when empty), coming back to Back. Closed takes the menu away,
// in a folder the user cannot edit.
type newPlace struct {
	ParentID, Back string
	Closed         bool
}

// Link is the New menu's link that makes a kind of item.
func (n *newMenu) Link(kind string) string {
	page := "/new"
	if troupe.Kind(kind).IsMedia() {
		page = "/upload"
	}
	return withQuery(paths.Workspace(n.WorkspaceID)+page, "kind", kind, "parent", n.ParentID, "back", n.Back)
}

// NewMenu is the New menu of the page, nil for those who cannot create
// there: Viewers, and anyone in a folder they cannot edit.
func (v *view) NewMenu() *newMenu {
	if v.Workspace == nil || !v.Workspace.Can.CreateContent || v.newIn.Closed {
		return nil
	}
	return &newMenu{WorkspaceID: v.Workspace.ID, ParentID: v.newIn.ParentID, Back: v.newIn.Back}
}

// itemRow is what the row of an item receives: the page's view, the item
// and the page its forms come back to.
type itemRow struct {
	*view
	It   app.ItemView
	Back string
	// Trash rows offer Restore instead of the menu.
	Trash bool
}

// Row pairs the view with an item for the row template.
func (v *view) Row(it app.ItemView, back string, trash bool) itemRow {
	return itemRow{view: v, It: it, Back: back, Trash: trash}
}

// ItemURL is the page of an item.
func (v *view) ItemURL(it app.ItemView) string { return itemURL(it) }

// ItemAction is the URL of an action page of an item, coming back to back.
func (v *view) ItemAction(it app.ItemView, action, back string) string {
	return withQuery(paths.Item(it.WorkspaceID, it.ID)+"/"+action, "back", back)
}

// KindName is a kind of item in the page's language.
func (v *view) KindName(k troupe.Kind) string { return v.T("kind." + string(k)) }

// LevelName is an access level in the page's language.
func (v *view) LevelName(l troupe.Level) string { return v.T("level." + l.String()) }

// Owner names an item's owner, "you" for the user.
func (v *view) Owner(it app.ItemView) string {
	if v.User != nil && it.OwnerID == v.User.ID {
		return v.T("content.owner_you")
	}
	return it.OwnerName
}

// Duration is a media duration as m:ss (h:mm:ss past an hour).
func (v *view) Duration(ms *int64) string {
	if ms == nil {
		return ""
	}
	d := time.Duration(*ms) * time.Millisecond
	h, m, sec := int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60
	if h > 0 {
		return fmt.Sprintf("%d:%02d:%02d", h, m, sec)
	}
	return fmt.Sprintf("%d:%02d", m, sec)
}

// Size is a file size in the page's language.
func (v *view) Size(n int64) string {
	switch {
	case n >= 1<<20:
		return v.T("size.mb", "n", fmt.Sprintf("%.1f", float64(n)/(1<<20)))
	case n >= 1<<10:
		return v.T("size.kb", "n", n>>10)
	}
	return v.T("size.bytes", "n", n)
}

// PurgeDate is the day a trashed item is deleted for good.
func (v *view) PurgeDate(t *time.Time) timeView {
	if t == nil {
		return timeView{}
	}
	return v.Day(t.Add(troupe.TrashRetention))
}

// Reason says why someone has access, in the page's language.
func (v *view) Reason(r app.AccessReason) string {
	key := "reason." + r.Kind
	if r.Inherited {
		key += "_inherited"
	}
	return v.T(key, "folder", r.ItemName)
}

// Media is the address of an item's file, or of its poster.
func (v *view) Media(it app.ItemView, poster bool) string {
	if poster {
		if it.PosterKey == "" {
			return ""
		}
		return "/api/v1/items/" + url.PathEscape(it.ID) + "/poster"
	}
	if it.Kind == troupe.KindVideo {
		// The same address as the API's media_url for a video.
		return "/api/v1/videos/" + url.PathEscape(it.ID) + "/media"
	}
	return "/api/v1/items/" + url.PathEscape(it.ID) + "/media"
}

// WebRendition is the address of a video's MP4 that every browser plays,
// "" when processing made none (the upload plays as it is).
func (v *view) WebRendition(it app.ItemView) string {
	for _, r := range it.Renditions {
		if r.Name == app.WebRenditionName {
			return "/api/v1/videos/" + url.PathEscape(it.ID) + "/" + app.FileRendition + r.Name
		}
	}
	return ""
}

// Accept is the file chooser's filter for a kind of upload.
func (v *view) Accept(k troupe.Kind) string {
	switch k {
	case troupe.KindAvatar:
		return "image/*"
	case troupe.KindVoice:
		return "audio/*"
	}
	return "video/*"
}

// textField is a labelled text input with its own id, for forms that
// may share a page with another form using the same field names.
type textField struct {
	ID, Name, Label, Value, Error string
	Required                      bool
}

// Text builds a required text field named name, labelled by labelKey.
func (v *view) Text(id, name, labelKey string) textField {
	return textField{ID: id, Name: name, Label: v.T(labelKey), Value: v.Val(name), Error: v.Err(name), Required: true}
}

// Where names the folder new items go to: its name, or Home.
func (v *view) Where(f *app.ItemView) string {
	if f == nil {
		return v.T("nav.home")
	}
	return f.Name
}

// MoveIn is the move form browsing folder in (the root when empty).
func (v *view) MoveIn(p *itemFormPage, in string) string {
	return withQuery(paths.Item(p.Item.WorkspaceID, p.Item.ID)+"/move", "in", in, "back", p.Back)
}

// reasonList is what the reasons template receives.
type reasonList struct {
	*view
	Reasons []app.AccessReason
}

// Reasons pairs the view with the reasons of a permissions view.
func (v *view) Reasons(p app.PermissionsView) reasonList {
	return reasonList{view: v, Reasons: p.Reasons}
}

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

// AccessLine tells an item's effective access in one line, as its
// summary says it: "Everyone in Acme Studio can view · from folder Q3
// Launch". Publishing to the web is told apart (AccessSummary.Public).
func (v *view) AccessLine(it app.ItemView) string {
	s := it.Access
	var line string
	switch s.Scope {
	case troupe.ScopeWorkspace:
		name := ""
		if v.Workspace != nil {
			name = v.Workspace.Name
		}
		line = v.T("access.summary.workspace_"+s.Level.String(), "workspace", name)
	case troupe.ScopePeople:
		line = v.Count("access.summary.people", s.PeopleCount)
	default:
		if v.User != nil && it.OwnerID == v.User.ID {
			line = v.T("access.summary.only_me")
		} else {
			line = v.T("access.summary.only_owner", "name", it.OwnerName)
		}
	}
	switch {
	case s.InheritedFrom != nil:
		line += " · " + v.T("share.from_folder", "folder", s.InheritedFrom.Name)
	case s.Inherited:
		line += " · " + v.T("share.from_folder_above")
	}
	return line
}

// accessSummary is what the access-summary template receives.
type accessSummary struct {
	*view
	It app.ItemView
	// Compact shows icons only, the line in their label (list rows).
	Compact bool
}

// Summary pairs the view with an item for the access-summary template.
func (v *view) Summary(it app.ItemView, compact bool) accessSummary {
	return accessSummary{view: v, It: it, Compact: compact}
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

// noteList is what the notification list template receives: the page's
// view, for its language, and the notifications to list.
type noteList struct {
	*view
	Notes *notesView
}

// NoteList pairs the view with notifications for the list template.
func (v *view) NoteList(n *notesView) noteList { return noteList{view: v, Notes: n} }

// copyField is a read-only field with a Copy button.
type copyField struct {
	ID, Label, Value, Copy, Copied string
}

// CopyField builds a copyable field labelled by the catalog key labelKey.
func (v *view) CopyField(id, labelKey, value string) copyField {
	return copyField{ID: id, Label: v.T(labelKey), Value: value, Copy: v.T("copy.copy"), Copied: v.T("copy.copied")}
}

// localeChoice is one entry of a language menu.
type localeChoice struct{ Tag, Name string }

// localeChoices are the product's locales, each named in itself and
// capitalised as a menu entry ("Français", not "français").
var localeChoices = func() []localeChoice {
	out := make([]localeChoice, 0, len(troupe.Locales))
	for _, tag := range troupe.Locales {
		name := []rune(display.Self.Name(language.MustParse(tag)))
		name[0] = unicode.ToUpper(name[0])
		out = append(out, localeChoice{Tag: tag, Name: string(name)})
	}
	return out
}()

// Locales are the languages a user may choose.
func (v *view) Locales() []localeChoice { return localeChoices }

// pager is the pair of links below a paged list: back to the first page,
// and on to the next.
type pager struct {
	*view
	First, Next string
}

// Pager builds the links below a paged list; none shows when both are
// empty.
func (v *view) Pager(first, next string) pager { return pager{view: v, First: first, Next: next} }

// emptyState is the card a list shows when it has nothing: an icon (one of
// those the "empty-state" template knows), a title and a lead, both
// catalog keys, and optionally a link with its label's key.
type emptyState struct {
	*view
	Icon, Title, Lead, Link, LinkLabel string
}

// Empty builds the card of an empty list; link, when given, is a path
// and the catalog key of its label.
func (v *view) Empty(icon, titleKey, leadKey string, link ...string) emptyState {
	e := emptyState{view: v, Icon: icon, Title: titleKey, Lead: leadKey}
	if len(link) == 2 {
		e.Link, e.LinkLabel = link[0], link[1]
	}
	return e
}
