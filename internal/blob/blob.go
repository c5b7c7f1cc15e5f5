// Package blob keeps media files (videos, images, audio, posters) in a
// bucket: a local folder now, object storage through the same interface
// later. Uploads stream through: a file is never held in memory, and one
// that is refused leaves nothing behind.
package blob

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/gabriel-vasile/mimetype"
	"gocloud.dev/blob"
	"gocloud.dev/blob/fileblob"
	"gocloud.dev/gcerrors"

	"troupe/internal/diskspace"
	"troupe/internal/troupe"
)

// sniffLen is how much of a file content sniffing reads.
const sniffLen = 3072

// ErrTooLarge is returned by Put when the content passes the limit.
var ErrTooLarge = errors.New("blob: file too large")

// ErrEmpty is returned by Put for an empty file.
var ErrEmpty = errors.New("blob: empty file")

// ReadError is a failure to read the upload itself (the client went away
// or sent a broken body), as opposed to a failure to store it.
type ReadError struct{ Err error }

func (e *ReadError) Error() string { return "blob: read upload: " + e.Err.Error() }
func (e *ReadError) Unwrap() error { return e.Err }

type uploadReader struct{ r io.Reader }

func (u uploadReader) Read(p []byte) (int, error) {
	n, err := u.r.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		err = &ReadError{Err: err}
	}
	return n, err
}

// Store is a bucket of media files.
type Store struct {
	bucket *blob.Bucket
	dir    string // the local folder of a file:// bucket
}

// Open opens the bucket at rawURL: "file://" followed by a folder's path,
// taken as is (a path may hold characters such as "#" that a URL parser
// would cut at).
func Open(rawURL string) (*Store, error) {
	dir, ok := strings.CutPrefix(rawURL, "file://")
	if !ok || dir == "" {
		return nil, fmt.Errorf("blob: %q is not a file:// URL", rawURL)
	}
	b, err := fileblob.OpenBucket(dir, &fileblob.Options{
		CreateDir: true,
		// Keep temporary files beside the media so that renaming them into
		// place never crosses file systems.
		NoTempDir: true,
		// The database keeps each file's type and size.
		Metadata: fileblob.MetadataDontWrite,
	})
	if err != nil {
		return nil, fmt.Errorf("blob: open %s: %w", dir, err)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("blob: %w", err)
	}
	return &Store{bucket: b, dir: abs}, nil
}

// Close releases the bucket.
func (s *Store) Close() error { return s.bucket.Close() }

// Stored describes a file written by Put.
type Stored struct {
	Size        int64
	ContentType string
}

// Put writes r under key, reading at most limit bytes. accept sees the
// content type sniffed from the first bytes and refuses the file by
// returning an error. A refused, failed or oversized upload is discarded:
// no file appears under key and no temporary file stays.
func (s *Store) Put(ctx context.Context, key string, r io.Reader, limit int64, accept func(contentType string) error) (Stored, error) {
	r = uploadReader{r}
	head := make([]byte, sniffLen)
	n, err := io.ReadFull(r, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return Stored{}, err
	}
	head = head[:n]
	if n == 0 {
		return Stored{}, ErrEmpty
	}
	contentType := Sniff(head)
	if err := accept(contentType); err != nil {
		return Stored{}, err
	}
	// Cancelling the writer's context makes Close discard what was written.
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w, err := s.bucket.NewWriter(wctx, key, &blob.WriterOptions{ContentType: contentType})
	if err != nil {
		return Stored{}, failed("write", key, err)
	}
	size, err := io.Copy(w, io.MultiReader(bytes.NewReader(head), io.LimitReader(r, limit+1-int64(n))))
	if err == nil && size > limit {
		err = ErrTooLarge
	}
	if err != nil {
		cancel()
		_ = w.Close()
		if errors.Is(err, ErrTooLarge) || errors.As(err, new(*ReadError)) {
			return Stored{}, err
		}
		return Stored{}, failed("write", key, err)
	}
	if err := w.Close(); err != nil {
		return Stored{}, failed("write", key, err)
	}
	return Stored{Size: size, ContentType: contentType}, nil
}

// Sniff names the content type of a file from its first bytes.
func Sniff(head []byte) string {
	return mimetype.Detect(head).String()
}

// File is a stored file open for reading: it seeks, so ranges can be
// served from it. On local disk its ReadSeeker is the *os.File itself, so
// the kernel can send it to a socket without copying it through the
// process (sendfile).
type File struct {
	io.ReadSeeker
	size   int64
	closer io.Closer
}

// Size is the file's length in bytes.
func (f *File) Size() int64 { return f.size }

// Close closes the file.
func (f *File) Close() error { return f.closer.Close() }

// Open opens the file under key.
func (s *Store) Open(ctx context.Context, key string) (*File, error) {
	if s.dir != "" && filepath.IsLocal(key) {
		// Keys are ours (ids and fixed prefixes), which the bucket
		// stores under their own names: open the file directly rather
		// than through the bucket's reader, which stats and looks for
		// attributes first, and re-opens the file on every seek.
		f, err := os.Open(filepath.Join(s.dir, filepath.FromSlash(key)))
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("blob: %s: %w", key, ErrNotFound)
		}
		if err != nil {
			return nil, failed("open", key, err)
		}
		st, err := f.Stat()
		if err != nil {
			f.Close()
			return nil, failed("open", key, err)
		}
		return &File{ReadSeeker: f, size: st.Size(), closer: f}, nil
	}
	r, err := s.bucket.NewReader(ctx, key, nil)
	if gcerrors.Code(err) == gcerrors.NotFound {
		return nil, fmt.Errorf("blob: %s: %w", key, ErrNotFound)
	}
	if err != nil {
		return nil, failed("open", key, err)
	}
	return &File{ReadSeeker: r, size: r.Size(), closer: r}, nil
}

// ErrNotFound is returned for a key with no file.
var ErrNotFound = errors.New("not found")

// Delete removes the file under key; a missing file is not an error.
func (s *Store) Delete(ctx context.Context, key string) error {
	err := s.bucket.Delete(ctx, key)
	if gcerrors.Code(err) == gcerrors.NotFound {
		return nil
	}
	return err
}

// Keys lists every stored key (tests check that nothing stays behind).
func (s *Store) Keys(ctx context.Context) ([]string, error) {
	var out []string
	it := s.bucket.List(nil)
	for {
		obj, err := it.Next(ctx)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		out = append(out, obj.Key)
	}
}

// WriteFile stores small content made by the server itself (posters).
func (s *Store) WriteFile(ctx context.Context, key string, r io.Reader, contentType string) error {
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w, err := s.bucket.NewWriter(wctx, key, &blob.WriterOptions{ContentType: contentType})
	if err != nil {
		return failed("write", key, err)
	}
	if _, err := io.Copy(w, r); err != nil {
		cancel() // discards what was written
		_ = w.Close()
		return failed("write", key, err)
	}
	if err := w.Close(); err != nil {
		return failed("write", key, err)
	}
	return nil
}

// Messages of an unavailable media store, safe to show.
const (
	msgUnavailable = "The media store is not available right now."
	msgFull        = "The media store's disk is full."
)

// failed turns a failure of the store itself (disk full, I/O error, a
// folder gone) into an unavailable *troupe.Error: nothing the client sent
// was wrong, and trying again later may work.
func failed(op, key string, err error) error {
	msg := msgUnavailable
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
		msg = msgFull
	}
	return &troupe.Error{Code: troupe.CodeUnavailable, Message: msg, Err: fmt.Errorf("blob: %s %s: %w", op, key, err)}
}

// Ready reports, as an unavailable *troupe.Error saying why, whether files
// can be stored: the folder is there and its disk has room.
func (s *Store) Ready(ctx context.Context) error {
	if s.dir == "" {
		return nil
	}
	if _, err := os.Stat(s.dir); err != nil {
		return failed("stat", ".", err)
	}
	if diskspace.Full(s.dir) {
		return &troupe.Error{Code: troupe.CodeUnavailable, Message: msgFull}
	}
	return nil
}
