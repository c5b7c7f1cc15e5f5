package app

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"troupe/internal/captions"
	"troupe/internal/store"
	"troupe/internal/troupe"
)

// CaptionTrack is one language's captions of a video.
type CaptionTrack struct {
	troupe.CaptionTrack
	Cues []captions.Cue
}

// CaptionInput is a track to store: either a WebVTT or SRT file, or cues
// from the editor.
type CaptionInput struct {
	Label string
	File  []byte
	Cues  []captions.Cue
	// FromFile says File is the source (even when empty).
	FromFile bool
}

// ParseLang checks a BCP 47 language tag and returns its canonical form.
func ParseLang(tag string) (string, error) {
	t, err := language.Parse(tag)
	if err != nil || t == language.Und || len(tag) > 35 {
		return "", troupe.Errorf(troupe.CodeNotFound, "No captions in language %q.", tag)
	}
	return t.String(), nil
}

// ListCaptions names a video's caption tracks.
func (a *App) ListCaptions(ctx context.Context, actor troupe.User, id string) (_ []troupe.CaptionTrack, opErr error) {
	defer wrap(&opErr, "list captions")
	q := a.db.Read()
	if _, _, err := a.video(ctx, q, actor, id); err != nil {
		return nil, err
	}
	return q.ListCaptions(ctx, id)
}

// GetCaptions returns one track of a video the actor can view.
func (a *App) GetCaptions(ctx context.Context, actor troupe.User, id, lang string) (_ CaptionTrack, opErr error) {
	defer wrap(&opErr, "get captions")
	q := a.db.Read()
	if _, _, err := a.video(ctx, q, actor, id); err != nil {
		return CaptionTrack{}, err
	}
	return a.track(ctx, q, id, lang)
}

func (a *App) track(ctx context.Context, q *store.Queries, id, lang string) (CaptionTrack, error) {
	tag, err := ParseLang(lang)
	if err != nil {
		return CaptionTrack{}, err
	}
	c, err := q.FindCaption(ctx, id, tag)
	if troupe.ErrorCode(err) == troupe.CodeNotFound {
		return CaptionTrack{}, troupe.Errorf(troupe.CodeNotFound, "No captions in language %q.", tag)
	}
	if err != nil {
		return CaptionTrack{}, err
	}
	cues, err := captions.ParseVTT([]byte(c.VTT))
	if err != nil {
		return CaptionTrack{}, fmt.Errorf("stored captions %s/%s: %w", id, tag, err)
	}
	return CaptionTrack{CaptionTrack: c.CaptionTrack, Cues: cues}, nil
}

// PutCaptions creates or replaces a video's track in lang, from a file or
// from cues, after validating it whole.
func (a *App) PutCaptions(ctx context.Context, actor troupe.User, id, lang string, in CaptionInput, c Client) (_ CaptionTrack, opErr error) {
	defer wrap(&opErr, "put captions")
	if _, err := a.EditableVideo(ctx, actor, id); err != nil {
		return CaptionTrack{}, err
	}
	tag, err := language.Parse(lang)
	if err != nil || tag == language.Und || len(lang) > 35 {
		var v troupe.Validation
		v.Add("lang", "invalid", "Use a language tag such as en, fr or pt-BR.")
		return CaptionTrack{}, v.Err()
	}
	label := strings.TrimSpace(in.Label)
	if label == "" {
		label = display.Self.Name(tag)
	}
	if !validLabel(label) {
		var v troupe.Validation
		v.Add("label", "invalid", fmt.Sprintf("Use 1 to %d printable characters.", troupe.MaxCaptionLabel))
		return CaptionTrack{}, v.Err()
	}
	var cues []captions.Cue
	if in.FromFile {
		cues, err = captions.Parse(in.File)
	} else {
		cues, err = captions.Validate(in.Cues)
	}
	if err != nil {
		return CaptionTrack{}, captionError(err, in.FromFile)
	}
	t := CaptionTrack{CaptionTrack: troupe.CaptionTrack{Lang: tag.String(), Label: label, Cues: len(cues), UpdatedAt: a.now()}, Cues: cues}
	err = a.db.Tx(ctx, func(tx *store.Tx) error {
		it, _, err := a.editVideo(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		if err := tx.PutCaption(ctx, id, store.Caption{CaptionTrack: t.CaptionTrack, VTT: string(captions.FormatVTT(cues))}); err != nil {
			return err
		}
		return a.audit(ctx, tx, it.WorkspaceID, actor, "video.captions_put", id, t.Lang, c)
	})
	return t, err
}

// DeleteCaptions removes a video's track in lang.
func (a *App) DeleteCaptions(ctx context.Context, actor troupe.User, id, lang string, c Client) (opErr error) {
	defer wrap(&opErr, "delete captions")
	tag, err := ParseLang(lang)
	if err != nil {
		return err
	}
	return a.db.Tx(ctx, func(tx *store.Tx) error {
		it, _, err := a.editVideo(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		if err := tx.DeleteCaption(ctx, id, tag); err != nil {
			if troupe.ErrorCode(err) == troupe.CodeNotFound {
				return troupe.Errorf(troupe.CodeNotFound, "No captions in language %q.", tag)
			}
			return err
		}
		return a.audit(ctx, tx, it.WorkspaceID, actor, "video.captions_delete", id, tag, c)
	})
}

// PublicCaptions returns a track of the public page under slug, and the
// page.
func (a *App) PublicCaptions(ctx context.Context, slug, pass, lang string) (_ CaptionTrack, _ PublicPage, opErr error) {
	defer wrap(&opErr, "public captions")
	p, err := a.unlocked(ctx, slug, pass)
	if err != nil {
		return CaptionTrack{}, PublicPage{}, err
	}
	t, err := a.track(ctx, a.db.Read(), p.video.ItemID, lang)
	return t, p, err
}

func validLabel(s string) bool {
	if !utf8.ValidString(s) || utf8.RuneCountInString(s) > troupe.MaxCaptionLabel {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return false
		}
	}
	return true
}

// captionError turns the parser's problems into a problem answer that
// names each line (or cue).
func captionError(err error, fromFile bool) error {
	var ce *captions.Error
	if !errors.As(err, &ce) {
		return err
	}
	out := &troupe.Error{Code: troupe.CodeInvalidCaptions, Message: "The captions are not valid: " + ce.Problems[0].Message}
	for _, p := range ce.Problems {
		f := troupe.FieldError{Field: "file", Code: p.Code, Message: p.Message, Line: p.Line}
		if !fromFile {
			f.Field, f.Line = "cues", 0
			if p.Line > 0 {
				f.Field = fmt.Sprintf("cues[%d]", p.Line-1)
			}
		}
		out.Fields = append(out.Fields, f)
	}
	return out
}
