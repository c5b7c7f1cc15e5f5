package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/url"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"troupe/internal/testkit"
)

// BenchmarkS3Range measures Range requests for a published video whose
// media is on S3, served by a separate `troupe serve` process, against the
// same requests sent straight to the S3 server (a presigned URL of the
// same object): bytes per second from 8 clients, for players' open-ended
// ranges and for 256 KiB chunks, in alternating pairs (see compareRanges).
// "proxied" passes every byte through Troupe (the default); "redirect"
// answers each request with a redirect to a signed URL of the bucket
// (TROUPE_MEDIA_REDIRECT), which the client follows. "bare-proxy" is the
// ceiling of any server that passes the bytes on: a TCP proxy that only
// splices each connection to the S3 server, against the S3 server itself.
func BenchmarkS3Range(b *testing.B) {
	bin := filepath.Join(b.TempDir(), "troupe")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("build: %v\n%s", err, out)
	}
	file := benchVideo(b)
	b.Run("bare-proxy", func(b *testing.B) { benchBareProxy(b, file) })
	for _, mode := range []string{"proxied", "redirect"} {
		for _, e := range testkit.Engines(b) { // a database of its own per mode
			b.Run(e.Name+"/"+mode, func(b *testing.B) {
				env := []string{}
				if mode == "redirect" {
					env = append(env, "TROUPE_MEDIA_REDIRECT=5m")
				}
				benchS3Range(b, bin, e, file, env)
			})
		}
	}
}

// benchS3Range runs BenchmarkS3Range's loads on a server started with env.
func benchS3Range(b *testing.B, bin string, e testkit.Engine, file []byte, env []string) {
	bucket := testkit.NewS3Bucket(b)
	dir := b.TempDir()
	out, err := exec.Command(bin, "generate", "-data-dir", dir, "-database-url", e.URL, "-seed", "1",
		"-members", "3", "-items", "10", "-depth", "2", "-big-folder", "2", "-heavy-sharers", "0", "-shares-each", "0").Output()
	if err != nil {
		b.Fatalf("generate: %v", err)
	}
	var gen struct {
		WorkspaceID string `json:"workspace_id"`
		AdminEmail  string `json:"admin_email"`
		Password    string `json:"password"`
	}
	if err := json.Unmarshal(out, &gen); err != nil {
		b.Fatal(err)
	}
	base, _ := startServe(b, bin, dir, e.URL, append(env, "TROUPE_BLOB_URL="+bucket.URL,
		"AWS_ACCESS_KEY_ID="+bucket.AccessKeyID, "AWS_SECRET_ACCESS_KEY="+bucket.SecretAccessKey)...)
	sb := &shareBench{base: base, session: login(b, base, gen.AdminEmail, gen.Password)}
	sb.call(b, "PATCH", "/api/v1/workspaces/"+gen.WorkspaceID, map[string]string{"publishing": "allowed"}, 200)
	id := uploadVideo(b, base, sb.session, gen.WorkspaceID, "Launch", file)
	page := "/v/" + sb.call(b, "POST", "/api/v1/videos/"+id+"/publish", nil, 200)["slug"].(string)
	signed, err := s3.NewPresignClient(bucket.Client).PresignGetObject(context.Background(),
		&s3.GetObjectInput{Bucket: aws.String(bucket.Name), Key: aws.String("media/" + id)}, s3.WithPresignExpires(time.Hour))
	if err != nil {
		b.Fatal(err)
	}
	benchRanges(b, base+page+"/media", signed.URL, len(file))
}

// benchRanges compares ours with the S3 server's URL of the same object,
// for players' ranges and for chunks.
func benchRanges(b *testing.B, ours, s3URL string, size int) {
	for _, open := range []bool{true, false} {
		name := "player-open-ended"
		if !open {
			name = "256KiB-chunks"
		}
		b.Run(name, func(b *testing.B) {
			r := compareRanges(b, ours, s3URL, size, open)
			b.ReportMetric(r.ours/(1<<20), "ours-MiB/s")
			b.ReportMetric(r.theirs/(1<<20), "s3-MiB/s")
			b.ReportMetric(r.ratio, "ratio")
			b.ReportMetric(r.ratioMin, "ratio-min")
		})
	}
}

// benchBareProxy measures a TCP proxy (see spliceProxy) in front of the S3 server that does
// nothing but splice: what the kernel's work for a second connection costs
// on this machine, whatever the server in the middle.
func benchBareProxy(b *testing.B, file []byte) {
	bucket := testkit.NewS3Bucket(b)
	const key = "media/bare"
	if _, err := bucket.Client.PutObject(context.Background(), &s3.PutObjectInput{
		Bucket: aws.String(bucket.Name), Key: aws.String(key), Body: bytes.NewReader(file)}); err != nil {
		b.Fatal(err)
	}
	upstream, err := url.Parse(bucket.Endpoint)
	if err != nil {
		b.Fatal(err)
	}
	// In a process of its own, as troupe is.
	proxy := startHelper(b, spliceProxyEnv+"="+upstream.Host)
	presign := func(endpoint string) string {
		signed, err := s3.NewPresignClient(bucket.Client).PresignGetObject(context.Background(),
			&s3.GetObjectInput{Bucket: aws.String(bucket.Name), Key: aws.String(key)}, s3.WithPresignExpires(time.Hour),
			s3.WithPresignClientFromClientOptions(func(o *s3.Options) { o.BaseEndpoint = aws.String(endpoint) }))
		if err != nil {
			b.Fatal(err)
		}
		return signed.URL
	}
	// Each URL is signed for the host it is sent to, which the proxy
	// passes on unchanged.
	benchRanges(b, presign("http://"+proxy), presign(bucket.Endpoint), len(file))
}

// spliceProxy listens on addr and joins each connection to one of its own
// to upstream; io.Copy between two TCP connections is a splice on Linux.
func spliceProxy(addr, upstream string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	for {
		down, err := ln.Accept()
		if err != nil {
			return err
		}
		go func() {
			defer down.Close()
			up, err := net.Dial("tcp", upstream)
			if err != nil {
				return
			}
			defer up.Close()
			go func() {
				io.Copy(up, down)
				up.(*net.TCPConn).CloseWrite()
			}()
			io.Copy(down, up)
		}()
	}
}
