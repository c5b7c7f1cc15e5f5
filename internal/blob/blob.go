// Package blob keeps media files (videos, images, audio, posters) in a
// bucket: a local folder (file://) or S3-compatible object storage (s3://).
// Uploads stream through: a file is never held whole in memory, and one
// that is refused leaves nothing behind.
package blob

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/feature/s3/transfermanager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/gabriel-vasile/mimetype"
	"gocloud.dev/blob"
	"gocloud.dev/blob/fileblob"
	"gocloud.dev/blob/s3blob"
	"gocloud.dev/gcerrors"

	"troupe/internal/diskspace"
	"troupe/internal/troupe"
)

// sniffLen is how much of a file content sniffing reads.
const sniffLen = 3072

// Uploads to object storage go in parts of partSize, partConcurrency at a
// time: an upload holds at most (partConcurrency+2) parts in memory,
// whatever the file's size. 5 MiB is the smallest part S3 accepts.
const (
	partSize        = 5 << 20
	partConcurrency = 2
	// abortTimeout bounds the abort of a refused multipart upload, made
	// with a context of its own so that it runs even when the upload's
	// context has ended.
	abortTimeout = 30 * time.Second
)

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
	// The client and bucket name of an s3:// bucket, for what the portable
	// bucket does not offer (upload tuning, unfinished uploads).
	s3     *s3.Client
	s3Name string
	get    *objectGetter // reads ranges of an s3:// bucket's objects
}

// Credentials sign requests to object storage. Empty, the AWS SDK's usual
// sources apply (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, shared
// files, instance roles).
type Credentials struct {
	AccessKeyID, SecretAccessKey, SessionToken string
}

// Open opens the bucket at rawURL: "file://" followed by a folder's path,
// taken as is (a path may hold characters such as "#" that a URL parser
// would cut at), or "s3://bucket?endpoint=…&region=…&use_path_style=true"
// as gocloud.dev's s3blob reads it.
func Open(ctx context.Context, rawURL string, creds Credentials) (*Store, error) {
	if strings.HasPrefix(rawURL, "s3://") {
		return openS3(ctx, rawURL, creds)
	}
	dir, ok := strings.CutPrefix(rawURL, "file://")
	if !ok || dir == "" {
		return nil, fmt.Errorf("blob: %q is neither a file:// nor an s3:// URL", rawURL)
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

// openS3 opens an s3:// bucket with s3blob's own URL options, signing with
// creds when they are given.
func openS3(ctx context.Context, rawURL string, creds Credentials) (*Store, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("blob: %q is not an s3://bucket URL", rawURL)
	}
	opener := &s3blob.URLOpener{}
	b, err := opener.OpenBucketURL(ctx, u)
	if err != nil {
		return nil, fmt.Errorf("blob: open %s: %w", u.Redacted(), err)
	}
	var client *s3.Client
	if !b.As(&client) {
		b.Close()
		return nil, errors.New("blob: the s3 bucket has no S3 client")
	}
	b.Close()
	client = s3.New(client.Options(), func(o *s3.Options) {
		// Whole-object reads of multipart uploads cannot be checked
		// against their checksum; the SDK would log each one.
		o.DisableLogOutputChecksumValidationSkipped = true
		if creds.AccessKeyID != "" {
			o.Credentials = aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(
				creds.AccessKeyID, creds.SecretAccessKey, creds.SessionToken))
		}
	})
	// opener.Options holds what the URL asked for (encryption, checksums).
	if b, err = s3blob.OpenBucket(ctx, client, u.Host, &opener.Options); err != nil {
		return nil, fmt.Errorf("blob: open %s: %w", u.Redacted(), err)
	}
	get, err := newObjectGetter(ctx, client, u.Host)
	if err != nil {
		b.Close()
		return nil, err
	}
	return &Store{bucket: b, s3: client, s3Name: u.Host, get: get}, nil
}

// Local is the folder of a file:// store, "" on object storage.
func (s *Store) Local() string { return s.dir }

// S3 is the client and bucket name of an s3:// store, nil and "" for a
// folder: for what keeps its own objects in the same bucket (resumable
// uploads).
func (s *Store) S3() (*s3.Client, string) { return s.s3, s.s3Name }

// Close releases the bucket.
func (s *Store) Close() error {
	if s.get != nil {
		s.get.close()
	}
	return s.bucket.Close()
}

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
	body := &limited{r: io.MultiReader(bytes.NewReader(head), r), left: limit}
	if s.s3 != nil {
		// The transfer manager reads body itself: a refusal is a failed
		// read, on which it sends nothing or aborts the multipart upload.
		// Not cancelled with the request: a cancellation racing the
		// upload's creation could leave one that nobody aborts; a client
		// going away fails the body's reads instead.
		err = s.bucket.Upload(context.WithoutCancel(ctx), key, body, s.writerOptions(contentType))
		if body.err != nil {
			return Stored{}, body.err
		}
		if err != nil {
			return Stored{}, failed("write", key, err)
		}
		return Stored{Size: body.n, ContentType: contentType}, nil
	}
	// Cancelling the writer's context makes Close discard what was written.
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w, err := s.bucket.NewWriter(wctx, key, s.writerOptions(contentType))
	if err != nil {
		return Stored{}, failed("write", key, err)
	}
	if _, err := io.Copy(w, body); err != nil {
		cancel()
		_ = w.Close()
		if body.err != nil {
			return Stored{}, body.err
		}
		return Stored{}, failed("write", key, err)
	}
	if err := w.Close(); err != nil {
		return Stored{}, failed("write", key, err)
	}
	return Stored{Size: body.n, ContentType: contentType}, nil
}

// limited reads an upload, failing with ErrTooLarge past left bytes; err
// keeps the upload's own failure (too large, or a *ReadError) apart from
// the store's.
type limited struct {
	r       io.Reader
	n, left int64
	err     error
}

func (l *limited) Read(p []byte) (int, error) {
	if l.err != nil {
		return 0, l.err
	}
	if int64(len(p)) > l.left+1 {
		p = p[:l.left+1]
	}
	n, err := l.r.Read(p)
	l.n += int64(n)
	if l.n > l.left {
		err = ErrTooLarge
	}
	if err != nil && !errors.Is(err, io.EOF) {
		l.err = err
	}
	return n, err
}

// writerOptions are the options of every write. On object storage they
// bound what an upload holds in memory: S3's transfer manager by default
// buffers 16 MiB before its first request, then 8 MiB parts five at a
// time, and aborts a failed multipart upload with the upload's context
// (which a cancellation has ended): the writer's own manager is set up
// instead.
func (s *Store) writerOptions(contentType string) *blob.WriterOptions {
	opts := &blob.WriterOptions{ContentType: contentType}
	if s.s3 == nil {
		return opts
	}
	opts.BeforeWrite = func(as func(any) bool) error {
		var tm *transfermanager.Client
		if !as(&tm) {
			return errors.New("blob: no S3 transfer manager")
		}
		checksums := s.s3.Options().RequestChecksumCalculation
		*tm = *transfermanager.New(s.s3, func(o *transfermanager.Options) {
			o.PartSizeBytes = partSize
			o.MultipartUploadThreshold = partSize
			o.Concurrency = partConcurrency
			o.FailTimeout = abortTimeout
			o.RequestChecksumCalculation = checksums
		})
		return nil
	}
	return opts
}

// Sniff names the content type of a file from its first bytes.
func Sniff(head []byte) string {
	return mimetype.Detect(head).String()
}

// TypeOf names the content type of the file stored under key from its
// first bytes, as Put does for the files it writes: for files written by
// others (a finished resumable upload).
func (s *Store) TypeOf(ctx context.Context, key string) (string, error) {
	f, err := s.Open(ctx, key, Range{Offset: 0, Length: sniffLen})
	if err != nil {
		return "", err
	}
	defer f.Close()
	head := make([]byte, sniffLen)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return "", failed("read", key, err)
	}
	return Sniff(head[:n]), nil
}

// File is a stored file open for reading: it seeks, so ranges can be
// served from it. On local disk its ReadSeeker is the *os.File itself, so
// the kernel can send it to a socket without copying it through the
// process (sendfile). On object storage each read asks for a range.
type File struct {
	io.ReadSeeker
	size   int64
	closer io.Closer
}

// Size is the file's length in bytes.
func (f *File) Size() int64 { return f.size }

// Close closes the file; a nil File (a redirect's) has nothing to close.
func (f *File) Close() error {
	if f == nil {
		return nil
	}
	return f.closer.Close()
}

// WriteRange writes n bytes of the file from offset to w, as a response's
// body: w's ReadFrom is given the source itself wherever the kernel can
// move the bytes without copying them through the process — a local
// file (sendfile), or the answer to the range the file was opened with
// on a plain-http object storage connection (splice). Other reads from
// object storage are copied through a large buffer (see Copy).
func (f *File) WriteRange(w io.Writer, offset, n int64) (int64, error) {
	if r, ok := f.ReadSeeker.(*rangeReader); ok {
		return r.writeRange(w, offset, n)
	}
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return 0, err
	}
	return io.CopyN(w, f.ReadSeeker, n)
}

// copyBuffers hold the buffers of Copy.
var copyBuffers = sync.Pool{New: func() any { b := make([]byte, 1<<20); return &b }}

// Copy copies src to dst in 1 MiB reads and writes rather than io.Copy's
// 32 KiB, never through dst's ReadFrom: for bytes passing through the
// process from object storage, far fewer system calls (Range requests
// from S3 gave about 10 % more throughput than with 256 KiB), for a
// buffer per copy in flight, pooled.
func Copy(dst io.Writer, src io.Reader) (int64, error) {
	buf := copyBuffers.Get().(*[]byte)
	defer copyBuffers.Put(buf)
	return io.CopyBuffer(writerOnly{dst}, src, *buf)
}

// writerOnly hides a writer's ReadFrom from io.CopyBuffer.
type writerOnly struct{ io.Writer }

// Range is the part of a file a reader is expected to read first: Length
// bytes from Offset, a negative Length for the rest of the file, and 0 for
// nothing (only the size is needed, as for HEAD). It is a hint: reading
// elsewhere works, at the cost of another request to object storage.
type Range struct{ Offset, Length int64 }

// Whole is the whole file.
var Whole = Range{Offset: 0, Length: -1}

// Open opens the file under key, expecting first to be read first. On
// object storage that range is what the first request asks for, and its
// answer gives the size: opening and serving one range is one request.
func (s *Store) Open(ctx context.Context, key string, first Range) (*File, error) {
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
	r := &rangeReader{ctx: ctx, get: s.get, key: key}
	if first.Length != 0 && first.Offset >= 0 {
		err := r.open(first.Offset, first.Length)
		if err == nil {
			return &File{ReadSeeker: r, size: r.size, closer: r}, nil
		}
		// A range past the end is answered 416; the size is then asked
		// for below, and the caller says what is wrong with the range.
		if !unsatisfiable(err) {
			return nil, notFoundOr("open", key, err)
		}
	}
	attrs, err := s.bucket.Attributes(ctx, key)
	if err != nil {
		return nil, notFoundOr("open", key, err)
	}
	r.size = attrs.Size
	return &File{ReadSeeker: r, size: r.size, closer: r}, nil
}

func notFoundOr(op, key string, err error) error {
	var status interface{ HTTPStatusCode() int }
	if gcerrors.Code(err) == gcerrors.NotFound || errors.As(err, &status) && status.HTTPStatusCode() == 404 {
		return fmt.Errorf("blob: %s: %w", key, ErrNotFound)
	}
	return failed(op, key, err)
}

// unsatisfiable tells whether err is object storage's answer to a range
// that starts past the end of the object.
func unsatisfiable(err error) bool {
	var status interface{ HTTPStatusCode() int }
	return errors.As(err, &status) && status.HTTPStatusCode() == 416
}

// rangeReader reads a file of a bucket by ranges: a seek only moves the
// position; a read continues the open response when it is at the
// position, or else asks for the rest of the file from there. The context
// is the request's: a client going away ends the transfer.
type rangeReader struct {
	ctx  context.Context
	get  *objectGetter
	key  string
	size int64
	pos  int64

	body            io.ReadCloser // the open response, or nil
	bodyAt, bodyEnd int64         // the offset of body's next byte, and of its end
}

// open asks for length bytes (negative: the rest) from offset, and learns
// the file's size from the answer.
func (r *rangeReader) open(offset, length int64) error {
	obj, err := r.get.get(r.ctx, r.key, offset, length)
	if err != nil {
		return err
	}
	r.size = obj.size
	r.body, r.bodyAt, r.bodyEnd = obj.body, offset, r.size
	if length >= 0 {
		r.bodyEnd = min(offset+length, r.size)
	}
	return nil
}

// sender is a body that can write itself to a writer without passing
// through a buffer of the process (relayBody).
type sender interface {
	sendTo(w io.Writer, n int64) (int64, error)
}

// writeRange writes n bytes from offset to w: from the open answer when
// it holds them and can send them itself, else through Read and a large
// buffer.
func (r *rangeReader) writeRange(w io.Writer, offset, n int64) (int64, error) {
	if s, ok := r.body.(sender); ok && r.bodyAt == offset && offset+n <= r.bodyEnd {
		written, err := s.sendTo(w, n)
		r.bodyAt += written
		r.pos = r.bodyAt
		if err != nil {
			return written, err
		}
		if r.bodyAt == r.bodyEnd {
			r.closeBody()
		}
		return written, nil
	}
	if _, err := r.Seek(offset, io.SeekStart); err != nil {
		return 0, err
	}
	return Copy(w, io.LimitReader(r, n))
}

func (r *rangeReader) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += r.pos
	case io.SeekEnd:
		offset += r.size
	default:
		return 0, errors.New("blob: invalid whence")
	}
	if offset < 0 {
		return 0, errors.New("blob: seek before the start of the file")
	}
	r.pos = offset
	return offset, nil
}

func (r *rangeReader) Read(p []byte) (int, error) {
	if r.body != nil && (r.bodyAt != r.pos || r.bodyAt >= r.bodyEnd) {
		r.closeBody()
	}
	if r.pos >= r.size {
		return 0, io.EOF
	}
	if r.body == nil {
		if err := r.open(r.pos, -1); err != nil {
			return 0, failed("read", r.key, err)
		}
	}
	if left := r.bodyEnd - r.bodyAt; int64(len(p)) > left {
		p = p[:left]
	}
	n, err := r.body.Read(p)
	r.pos += int64(n)
	r.bodyAt += int64(n)
	if errors.Is(err, io.EOF) {
		err = nil
		if r.bodyAt < r.bodyEnd {
			// The object is shorter than it said: replaced meanwhile.
			err = io.ErrUnexpectedEOF
		}
	}
	if r.bodyAt == r.bodyEnd {
		r.closeBody()
	}
	return n, err
}

// drainLimit is the most of a response left unread that closing reads to
// its end, so that its connection is used again: HTTP/1.1 keeps a
// connection only once its response was read to the end.
const drainLimit = 64 << 10

func (r *rangeReader) closeBody() {
	if r.bodyEnd-r.bodyAt <= drainLimit {
		_, _ = io.CopyN(io.Discard, r.body, drainLimit+1)
	}
	r.body.Close()
	r.body = nil
}

func (r *rangeReader) Close() error {
	if r.body != nil {
		r.closeBody()
	}
	return nil
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

// Keys lists every stored key and, on object storage, every multipart
// upload neither completed nor aborted, as "KEY (unfinished upload)"
// (tests check that nothing stays behind).
func (s *Store) Keys(ctx context.Context) ([]string, error) {
	var out []string
	it := s.bucket.List(nil)
	for {
		obj, err := it.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		out = append(out, obj.Key)
	}
	if s.s3 == nil {
		return out, nil
	}
	p := s3.NewListMultipartUploadsPaginator(s.s3, &s3.ListMultipartUploadsInput{Bucket: aws.String(s.s3Name)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, u := range page.Uploads {
			out = append(out, aws.ToString(u.Key)+" (unfinished upload)")
		}
	}
	return out, nil
}

// WriteFile stores small content made by the server itself (posters).
func (s *Store) WriteFile(ctx context.Context, key string, r io.Reader, contentType string) error {
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w, err := s.bucket.NewWriter(wctx, key, s.writerOptions(contentType))
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
// can be stored: the folder is there and its disk has room, or the bucket
// answers (one HEAD request).
func (s *Store) Ready(ctx context.Context) error {
	if s.dir == "" {
		ok, err := s.bucket.IsAccessible(ctx)
		if err == nil && !ok {
			err = fmt.Errorf("bucket %s does not exist", s.s3Name)
		}
		if err != nil {
			return failed("check", ".", err)
		}
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
