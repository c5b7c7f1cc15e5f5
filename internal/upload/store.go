package upload

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/tus/tusd/v2/pkg/filestore"
	tusd "github.com/tus/tusd/v2/pkg/handler"
	"github.com/tus/tusd/v2/pkg/s3store"
)

// On object storage, a PATCH is cut into parts of partSize, each buffered
// in a temporary file (Config.TempDir) on its way to the bucket and
// removed once sent; a shorter tail waits in the bucket (KEY.part) for the
// next PATCH. One PATCH holds at most two such files (one being filled,
// one waiting) besides those being sent, at most partUploads at once in
// the process: temporary disk use is bounded by about
// (2 × PATCHes in progress + partUploads) × partSize. tusd can keep the
// parts in memory instead, but then fails to resume after a tail shorter
// than S3's 5 MiB minimum part.
const (
	partSize    = 16 << 20
	partUploads = 4
)

// store is where tus keeps uploads: tusd's store for the media store's
// kind, with what tusd does not offer (keys, cleaning up).
type store struct {
	tus interface {
		tusd.DataStore
		tusd.TerminaterDataStore
	}
	prefix string // of keys in the media store, ending in "/"
	dir    string // the folder of uploads of a file:// store
	s3     *s3.Client
	bucket string
}

func openStore(cfg Config) (*store, error) {
	st := &store{prefix: cfg.Prefix}
	if dir := cfg.Media.Local(); dir != "" {
		// Inside the media folder, so that a finished upload is a file of
		// the media store already, under the same key as on S3.
		st.dir = filepath.Join(dir, filepath.FromSlash(cfg.Prefix))
		if err := os.MkdirAll(st.dir, 0o750); err != nil {
			return nil, fmt.Errorf("upload: %w", err)
		}
		st.tus = filestore.New(st.dir)
		return st, nil
	}
	st.s3, st.bucket = cfg.Media.S3()
	if st.s3 == nil {
		return nil, errors.New("upload: the media store is neither a folder nor an S3 bucket")
	}
	s := s3store.New(st.bucket, withoutMetadata{st.s3})
	s.ObjectPrefix = cfg.Prefix
	s.PreferredPartSize = partSize
	s.MaxBufferedParts = 1
	s.TemporaryDirectory = cfg.TempDir
	s.SetConcurrentPartUploads(partUploads)
	st.tus = s
	return st, nil
}

// withoutMetadata creates multipart uploads without the client's metadata:
// S3 allows 2 KiB of it, less than a description may take, and the
// database keeps what matters.
type withoutMetadata struct{ *s3.Client }

func (c withoutMetadata) CreateMultipartUpload(ctx context.Context, in *s3.CreateMultipartUploadInput, opts ...func(*s3.Options)) (*s3.CreateMultipartUploadOutput, error) {
	in.Metadata, in.ContentType = nil, nil
	return c.Client.CreateMultipartUpload(ctx, in, opts...)
}

// objectID is the part of an upload's id that names its bytes: on S3 the
// id goes on with "+" and the multipart upload's id.
func (st *store) objectID(id string) string {
	if st.s3 != nil {
		if i := strings.LastIndex(id, "+"); i >= 0 {
			return id[:i]
		}
	}
	return id
}

// key is where the bytes of upload id are in the media store.
func (st *store) key(id string) string { return st.prefix + st.objectID(id) }

// terminate removes an upload and its bytes, finished or not.
func (st *store) terminate(ctx context.Context, id string) error {
	up, err := st.tus.GetUpload(ctx, id)
	if errors.Is(err, tusd.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	return st.tus.AsTerminatableUpload(up).Terminate(ctx)
}

// forget removes what tus keeps of an upload beside its bytes.
func (st *store) forget(ctx context.Context, id string) error {
	name := st.objectID(id) + ".info"
	if st.s3 == nil {
		if err := os.Remove(filepath.Join(st.dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		return nil
	}
	_, err := st.s3.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(st.bucket), Key: aws.String(st.prefix + name)})
	return err
}

// stale lists the unfinished uploads created before cutoff. On S3 it also
// aborts multipart uploads under the prefix that have no upload (a
// creation cut short) and were started before cutoff.
func (st *store) stale(ctx context.Context, cutoff time.Time) ([]string, error) {
	if st.s3 == nil {
		return st.staleFiles(ctx, cutoff)
	}
	return st.staleObjects(ctx, cutoff)
}

func (st *store) staleFiles(ctx context.Context, cutoff time.Time) ([]string, error) {
	entries, err := os.ReadDir(st.dir)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, e := range entries {
		id, ok := strings.CutSuffix(e.Name(), ".info")
		if !ok || e.IsDir() {
			continue
		}
		created, ok := createdAt(id)
		if !ok {
			fi, err := e.Info()
			if err != nil {
				continue // removed meanwhile
			}
			created = fi.ModTime()
		}
		if !created.Before(cutoff) {
			continue
		}
		up, err := st.tus.GetUpload(ctx, id)
		if errors.Is(err, tusd.ErrNotFound) {
			continue
		}
		if err != nil {
			return ids, err
		}
		info, err := up.GetInfo(ctx)
		if err != nil {
			return ids, err
		}
		if info.SizeIsDeferred || info.Offset < info.Size {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

func (st *store) staleObjects(ctx context.Context, cutoff time.Time) ([]string, error) {
	var ids []string
	known := map[string]bool{} // object ids with an upload
	pages := s3.NewListObjectsV2Paginator(st.s3, &s3.ListObjectsV2Input{Bucket: aws.String(st.bucket), Prefix: aws.String(st.prefix)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return ids, err
		}
		for _, obj := range page.Contents {
			oid, ok := strings.CutSuffix(strings.TrimPrefix(aws.ToString(obj.Key), st.prefix), ".info")
			if !ok {
				continue
			}
			known[oid] = true
			created, ok := createdAt(oid)
			if !ok {
				created = aws.ToTime(obj.LastModified)
			}
			if !created.Before(cutoff) {
				continue
			}
			id, finished, err := st.objectState(ctx, oid)
			if err != nil {
				return ids, err
			}
			if id != "" && !finished {
				ids = append(ids, id)
			}
		}
	}
	uploads := s3.NewListMultipartUploadsPaginator(st.s3, &s3.ListMultipartUploadsInput{Bucket: aws.String(st.bucket), Prefix: aws.String(st.prefix)})
	for uploads.HasMorePages() {
		page, err := uploads.NextPage(ctx)
		if err != nil {
			return ids, err
		}
		for _, u := range page.Uploads {
			if known[strings.TrimPrefix(aws.ToString(u.Key), st.prefix)] || !aws.ToTime(u.Initiated).Before(cutoff) {
				continue
			}
			_, err := st.s3.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: aws.String(st.bucket), Key: u.Key, UploadId: u.UploadId})
			if err != nil && !isNotFound(err) {
				return ids, err
			}
		}
	}
	return ids, nil
}

// objectState reads the upload of object id oid from its info object:
// its tus id ("" if it is gone) and whether its bytes are complete (the
// multipart upload was completed into the object).
func (st *store) objectState(ctx context.Context, oid string) (id string, finished bool, err error) {
	obj, err := st.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(st.bucket), Key: aws.String(st.prefix + oid + ".info")})
	if isNotFound(err) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	defer obj.Body.Close()
	var info tusd.FileInfo
	if err := json.NewDecoder(obj.Body).Decode(&info); err != nil {
		return "", false, fmt.Errorf("upload: read %s.info: %w", oid, err)
	}
	_, err = st.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(st.bucket), Key: aws.String(st.prefix + oid)})
	if isNotFound(err) {
		return info.ID, false, nil
	}
	return info.ID, err == nil, err
}

func isNotFound(err error) bool {
	var noKey *types.NoSuchKey
	var notFound *types.NotFound
	var noUpload *types.NoSuchUpload
	var status interface{ HTTPStatusCode() int }
	return errors.As(err, &noKey) || errors.As(err, &notFound) || errors.As(err, &noUpload) ||
		errors.As(err, &status) && status.HTTPStatusCode() == 404
}
