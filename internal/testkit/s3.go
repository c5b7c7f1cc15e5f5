package testkit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Environment variables naming the S3-compatible server tests may create
// and remove buckets on (`.ci/run` starts versitygw and sets them).
const (
	// EnvS3URL is the server's endpoint, e.g. http://127.0.0.1:7070.
	EnvS3URL = "TROUPE_TEST_S3_URL"
	// EnvS3AccessKey and EnvS3SecretKey are its root user's keys.
	EnvS3AccessKey = "TROUPE_TEST_S3_ACCESS_KEY"
	EnvS3SecretKey = "TROUPE_TEST_S3_SECRET_KEY"
)

// S3Bucket is a fresh bucket on the test S3 server.
type S3Bucket struct {
	// URL is what TROUPE_BLOB_URL and blob.Open accept:
	// s3://NAME?endpoint=…&region=us-east-1&use_path_style=true.
	URL string
	// Name is the bucket's name; Endpoint the server's URL.
	Name, Endpoint string
	// AccessKeyID and SecretAccessKey sign requests to it.
	AccessKeyID, SecretAccessKey string
	// Client is a client of the server signed with those keys.
	Client *s3.Client
}

// NewS3Bucket creates an empty bucket on the server named by
// TROUPE_TEST_S3_URL and removes it, with whatever it then holds, when the
// test ends. Without that variable the test skips (fails under
// TROUPE_TEST_STRICT=1).
func NewS3Bucket(t testing.TB) S3Bucket {
	t.Helper()
	endpoint := os.Getenv(EnvS3URL)
	if endpoint == "" {
		unmet(t, lackS3, "set "+EnvS3URL+"=http://host:port, "+EnvS3AccessKey+" and "+EnvS3SecretKey+" (an S3-compatible server such as versitygw) for S3 tests")
	}
	b := S3Bucket{Endpoint: endpoint, AccessKeyID: os.Getenv(EnvS3AccessKey), SecretAccessKey: os.Getenv(EnvS3SecretKey)}
	b.Client = s3.New(s3.Options{
		BaseEndpoint: aws.String(endpoint),
		Region:       "us-east-1",
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider(b.AccessKeyID, b.SecretAccessKey, ""),
	})
	var r [6]byte
	_, _ = rand.Read(r[:])
	b.Name = "troupe-test-" + hex.EncodeToString(r[:])
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := b.Client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(b.Name)}); err != nil {
		t.Fatalf("create S3 test bucket on %s: %v", endpoint, err)
	}
	t.Cleanup(func() {
		if err := b.remove(); err != nil {
			t.Errorf("remove S3 test bucket %s: %v", b.Name, err)
		}
	})
	q := url.Values{"endpoint": {endpoint}, "region": {"us-east-1"}, "use_path_style": {"true"}}
	b.URL = "s3://" + b.Name + "?" + q.Encode()
	return b
}

// remove deletes every object and unfinished upload of the bucket, then
// the bucket.
func (b S3Bucket) remove() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var errs []error
	objects := s3.NewListObjectsV2Paginator(b.Client, &s3.ListObjectsV2Input{Bucket: aws.String(b.Name)})
	for objects.HasMorePages() {
		page, err := objects.NextPage(ctx)
		if err != nil {
			return err
		}
		for _, o := range page.Contents {
			_, err := b.Client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(b.Name), Key: o.Key})
			errs = append(errs, err)
		}
	}
	uploads := s3.NewListMultipartUploadsPaginator(b.Client, &s3.ListMultipartUploadsInput{Bucket: aws.String(b.Name)})
	for uploads.HasMorePages() {
		page, err := uploads.NextPage(ctx)
		if err != nil {
			return err
		}
		for _, u := range page.Uploads {
			_, err := b.Client.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: aws.String(b.Name), Key: u.Key, UploadId: u.UploadId})
			errs = append(errs, err)
		}
	}
	_, err := b.Client.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(b.Name)})
	return errors.Join(append(errs, err)...)
}

// Keys lists the bucket's objects as the server has them.
func (b S3Bucket) Keys(t testing.TB) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var keys []string
	objects := s3.NewListObjectsV2Paginator(b.Client, &s3.ListObjectsV2Input{Bucket: aws.String(b.Name)})
	for objects.HasMorePages() {
		page, err := objects.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page.Contents {
			keys = append(keys, aws.ToString(o.Key))
		}
	}
	return keys
}
