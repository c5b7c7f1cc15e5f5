package web

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"

	"troupe/internal/app"
	"troupe/internal/troupe"
)

// uploadForm is a multipart upload read up to its file.
type uploadForm struct {
	// Media holds name, parent_id and description; File is the part
	// "file", left unread for the app to stream (nil when none came).
	Media app.NewMedia
	// Extra holds the other fields sent before the file.
	Extra map[string]string
}

// maxUploadFields bounds the small fields an upload may carry.
const maxUploadFields = 10

// readUpload reads a multipart/form-data upload's fields, which come
// before the file, and stops at the part "file" without reading it: the
// file streams to the media store and is never held in memory. Field
// names and values and the file's name must be text; the file's bytes are
// the media's business.
func readUpload(r *http.Request, kind troupe.Kind) (uploadForm, error) {
	form := uploadForm{Media: app.NewMedia{Kind: kind}, Extra: map[string]string{}}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "multipart/form-data" {
		return form, troupe.Errorf(troupe.CodeMalformed, "Send the file as multipart/form-data with a part named \"file\", after the other fields.")
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return form, troupe.Errorf(troupe.CodeMalformed, "The multipart body could not be read.")
	}
	for fields := 0; ; fields++ {
		if fields > maxUploadFields {
			return form, troupe.Errorf(troupe.CodeMalformed, "Too many form fields: send name, parent_id and description, then the file.")
		}
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return form, nil
		}
		if err != nil {
			return form, troupe.Errorf(troupe.CodeMalformed, "The multipart body could not be read.")
		}
		if !isText(part.FormName()) {
			return form, invalidInput("The name of a form field")
		}
		if part.FormName() == "file" {
			if !isText(part.FileName()) {
				return form, invalidInput("The file name")
			}
			if part.FileName() != "" {
				form.Media.Filename, form.Media.File = part.FileName(), part
			}
			return form, nil
		}
		value, err := io.ReadAll(io.LimitReader(part, 16<<10))
		if err != nil {
			return form, troupe.Errorf(troupe.CodeMalformed, "The multipart body could not be read.")
		}
		if !isText(string(value)) {
			return form, invalidInput(fmt.Sprintf("The form field %q", part.FormName()))
		}
		switch part.FormName() {
		case "name":
			form.Media.Name = string(value)
		case "parent_id":
			form.Media.ParentID = string(value)
		case "description":
			form.Media.Description = string(value)
		default:
			form.Extra[part.FormName()] = string(value)
		}
	}
}
