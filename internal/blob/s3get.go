package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// emptySHA256 is the payload hash of a request without a body.
const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// objectGetter reads ranges of objects with plain GET requests signed by
// the SDK's signer. Media is served by ranges, a player's chunks often
// 256 KiB or less, and the SDK's GetObject runs some forty middlewares per
// call: on a busy server that cost as much CPU as moving the bytes.
// Everything else (uploads, listing, deletes) goes through the SDK.
type objectGetter struct {
	base   url.URL // the bucket's URL; an object's is base + its key
	region string
	creds  aws.CredentialsProvider // nil: requests go unsigned
	signer *v4.Signer
	client s3.HTTPClient
	relay  *relay // nil: ranges go through client
}

// newObjectGetter takes the bucket's URL from the SDK itself (a presigned
// URL of a placeholder key), so that endpoints, path or virtual-host style
// and regions are resolved as the SDK resolves them.
func newObjectGetter(ctx context.Context, client *s3.Client, bucket string) (*objectGetter, error) {
	const placeholder = "k"
	signed, err := s3.NewPresignClient(client).PresignGetObject(ctx,
		&s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(placeholder)})
	if err != nil {
		return nil, fmt.Errorf("blob: resolve the bucket's URL: %w", err)
	}
	u, err := url.Parse(signed.URL)
	if err != nil || !strings.HasSuffix(u.Path, "/"+placeholder) {
		return nil, fmt.Errorf("blob: unexpected object URL %q", signed.URL)
	}
	u.Path = strings.TrimSuffix(u.Path, placeholder)
	u.RawPath, u.RawQuery = "", ""
	o := client.Options()
	creds := o.Credentials
	if creds != nil && !aws.IsCredentialsProvider(creds, aws.AnonymousCredentials{}) {
		if _, cached := creds.(*aws.CredentialsCache); !cached {
			creds = aws.NewCredentialsCache(creds)
		}
	} else {
		creds = nil
	}
	return &objectGetter{
		base:   *u,
		region: o.Region,
		creds:  creds,
		// S3 signs the path as sent, without escaping it a second time.
		signer: v4.NewSigner(func(so *v4.SignerOptions) { so.DisableURIPathEscaping = true }),
		client: o.HTTPClient,
		relay:  newRelay(*u),
	}, nil
}

// close closes the connections the getter keeps.
func (g *objectGetter) close() {
	if g.relay != nil {
		g.relay.close()
	}
}

// statusError is object storage's answer when it is not the object.
type statusError struct {
	status int
	body   string
}

func (e *statusError) Error() string {
	return fmt.Sprintf("object storage answered %d %s: %s", e.status, http.StatusText(e.status), e.body)
}

// HTTPStatusCode is what unsatisfiable and notFoundOr look at, as for the
// SDK's errors.
func (e *statusError) HTTPStatusCode() int { return e.status }

// object is an open answer to a ranged GET.
type object struct {
	body io.ReadCloser
	size int64 // the whole object's
}

// get asks for length bytes (negative: the rest) of key from offset.
func (g *objectGetter) get(ctx context.Context, key string, offset, length int64) (object, error) {
	u := g.base
	u.Path += key
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return object{}, err
	}
	switch {
	case length > 0:
		req.Header.Set("Range", fmt.Sprintf("bytes=%d-%d", offset, offset+length-1))
	case length < 0 && offset > 0:
		req.Header.Set("Range", fmt.Sprintf("bytes=%d-", offset))
	case length == 0:
		return object{}, errors.New("blob: an empty range")
	}
	if g.creds != nil {
		creds, err := g.creds.Retrieve(ctx)
		if err != nil {
			return object{}, fmt.Errorf("blob: credentials: %w", err)
		}
		req.Header.Set("X-Amz-Content-Sha256", emptySHA256)
		if err := g.signer.SignHTTP(ctx, creds, req, emptySHA256, "s3", g.region, time.Now()); err != nil {
			return object{}, err
		}
	}
	if g.relay != nil {
		return g.relay.get(ctx, req, offset)
	}
	res, err := g.client.Do(req)
	if err != nil {
		return object{}, err
	}
	size, err := objectSize(res, offset)
	if err != nil {
		res.Body.Close()
		return object{}, err
	}
	return object{body: res.Body, size: size}, nil
}

// objectSize reads the whole object's size from an answer to a GET from
// offset, or turns an answer that is not the object into an error.
func objectSize(res *http.Response, offset int64) (int64, error) {
	switch res.StatusCode {
	case http.StatusOK:
		if offset > 0 {
			return 0, errors.New("blob: object storage ignored a Range header")
		}
		if res.ContentLength < 0 {
			return 0, errors.New("blob: object storage sent no length")
		}
		return res.ContentLength, nil
	case http.StatusPartialContent:
		// Content-Range: bytes first-last/size
		cr := res.Header.Get("Content-Range")
		_, total, ok := strings.Cut(cr, "/")
		size, err := strconv.ParseInt(total, 10, 64)
		if !ok || err != nil || size < 0 {
			return 0, fmt.Errorf("blob: object storage sent Content-Range %q", cr)
		}
		return size, nil
	}
	msg, _ := io.ReadAll(io.LimitReader(res.Body, 512))
	return 0, &statusError{status: res.StatusCode, body: strings.TrimSpace(string(msg))}
}
