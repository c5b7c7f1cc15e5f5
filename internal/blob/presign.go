package blob

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// MaxSignedLifetime is the longest a signed URL may be valid: S3's limit
// for URLs signed with version 4 signatures.
const MaxSignedLifetime = 7 * 24 * time.Hour

// ResponseHeaders are the headers object storage is asked to answer a
// signed URL with instead of the object's own.
type ResponseHeaders struct {
	ContentType        string
	ContentDisposition string
	CacheControl       string
}

// CanSign holds for a store whose objects can be read through signed URLs:
// an s3:// bucket.
func (s *Store) CanSign() bool { return s.get != nil }

// SignedOrigin is the origin (scheme://host) of signed URLs, "" on a
// folder store: pages that play them must allow it.
func (s *Store) SignedOrigin() string {
	if s.get == nil {
		return ""
	}
	return s.get.base.Scheme + "://" + s.get.base.Host
}

// SignedURL is a URL that reads key straight from object storage, with
// Range requests, until ttl has passed, answered with the headers h.
func (s *Store) SignedURL(ctx context.Context, key string, ttl time.Duration, h ResponseHeaders) (string, error) {
	if s.get == nil {
		return "", errors.New("blob: a folder store has no signed URLs")
	}
	if ttl <= 0 || ttl > MaxSignedLifetime {
		return "", fmt.Errorf("blob: a signed URL's lifetime must be within (0, %s]", MaxSignedLifetime)
	}
	return s.get.presign(ctx, key, ttl, h)
}

// presign signs a GET of key in its query string, as S3 reads presigned
// URLs: the response-* parameters are part of the signature, so no one
// holding the URL can change the headers it is answered with.
func (g *objectGetter) presign(ctx context.Context, key string, ttl time.Duration, h ResponseHeaders) (string, error) {
	u := g.base
	u.Path += key
	q := url.Values{}
	for name, v := range map[string]string{"response-content-type": h.ContentType,
		"response-content-disposition": h.ContentDisposition, "response-cache-control": h.CacheControl} {
		if v != "" {
			q.Set(name, v)
		}
	}
	if g.creds == nil {
		// A bucket read without credentials: the plain URL is the one.
		u.RawQuery = q.Encode()
		return u.String(), nil
	}
	q.Set("X-Amz-Expires", strconv.FormatInt(int64(ttl/time.Second), 10))
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return "", err
	}
	creds, err := g.creds.Retrieve(ctx)
	if err != nil {
		return "", fmt.Errorf("blob: credentials: %w", err)
	}
	signed, _, err := g.signer.PresignHTTP(ctx, creds, req, "UNSIGNED-PAYLOAD", "s3", g.region, time.Now())
	return signed, err
}
