package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"troupe/internal/testkit"
)

func TestConfig(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

	t.Run("defaults run on SQLite in ./troupe-data on 127.0.0.1:8080", func(t *testing.T) {
		c, err := LoadConfig(nil, env(nil), io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		if c.Addr != "127.0.0.1:8080" || c.DataDir != "./troupe-data" || c.DatabaseURL != "troupe-data/troupe.db" ||
			c.BaseURL != "http://127.0.0.1:8080" || c.BlobURL != "file://troupe-data/media" || c.MailFrom != "Troupe <no-reply@127.0.0.1>" || c.MetricsAddr != "" {
			t.Fatalf("%+v", c)
		}
	})

	t.Run("flags win over the environment", func(t *testing.T) {
		c, err := LoadConfig([]string{"-addr", "127.0.0.1:9000", "-metrics-addr", "127.0.0.1:9100"},
			env(map[string]string{"TROUPE_ADDR": "127.0.0.1:7000", "TROUPE_LOG_LEVEL": "debug", "TROUPE_METRICS_ADDR": "127.0.0.1:9200"}), io.Discard)
		if err != nil || c.Addr != "127.0.0.1:9000" || c.LogLevel != "debug" || c.MetricsAddr != "127.0.0.1:9100" {
			t.Fatalf("%+v %v", c, err)
		}
	})

	t.Run("trusted proxies are read as CIDRs", func(t *testing.T) {
		c, err := LoadConfig([]string{"-trusted-proxies", "10.0.0.0/8, 192.168.0.1"}, env(nil), io.Discard)
		if err != nil || len(c.Proxies) != 2 || c.Proxies[1].String() != "192.168.0.1/32" {
			t.Fatalf("%+v %v", c.Proxies, err)
		}
	})

	t.Run("the DNS resolver is host:port, the system's by default", func(t *testing.T) {
		c, err := LoadConfig(nil, env(map[string]string{"TROUPE_DNS_RESOLVER": "127.0.0.1:5353"}), io.Discard)
		if err != nil || c.DNSResolver != "127.0.0.1:5353" {
			t.Fatalf("%q %v", c.DNSResolver, err)
		}
		if c, err := LoadConfig(nil, env(nil), io.Discard); err != nil || c.DNSResolver != "" {
			t.Fatalf("default: %q %v", c.DNSResolver, err)
		}
		if _, err := LoadConfig([]string{"-dns-resolver", "1.1.1.1"}, env(nil), io.Discard); err == nil || !strings.Contains(err.Error(), "TROUPE_DNS_RESOLVER") {
			t.Fatalf("no port: %v", err)
		}
	})

	t.Run("the video upload limit and the upload expiry", func(t *testing.T) {
		c, err := LoadConfig(nil, env(nil), io.Discard)
		if err != nil || c.VideoUploadLimit != 20<<30 || c.UploadExpiry != 24*time.Hour {
			t.Fatalf("defaults: %d %s %v", c.VideoUploadLimit, c.UploadExpiry, err)
		}
		for in, want := range map[string]int64{"500MiB": 500 << 20, "2 GB": 2 << 30, "1tib": 1 << 40, "1048576": 1 << 20} {
			c, err := LoadConfig([]string{"-video-upload-limit", in, "-upload-expiry", "48h"}, env(nil), io.Discard)
			if err != nil || c.VideoUploadLimit != want || c.UploadExpiry != 48*time.Hour {
				t.Errorf("%q: %d %s %v", in, c.VideoUploadLimit, c.UploadExpiry, err)
			}
		}
		for _, bad := range []map[string]string{{"TROUPE_VIDEO_UPLOAD_LIMIT": "lots"}, {"TROUPE_VIDEO_UPLOAD_LIMIT": "0"},
			{"TROUPE_VIDEO_UPLOAD_LIMIT": "99999999TiB"}, {"TROUPE_UPLOAD_EXPIRY": "1m"}} {
			if _, err := LoadConfig(nil, env(bad), io.Discard); err == nil {
				t.Errorf("accepted %v", bad)
			}
		}
	})

	t.Run("media redirects", func(t *testing.T) {
		s3 := map[string]string{"TROUPE_BLOB_URL": "s3://media?endpoint=http://127.0.0.1:7070&region=us-east-1"}
		if c, err := LoadConfig(nil, env(s3), io.Discard); err != nil || c.MediaRedirect != 0 {
			t.Fatalf("default: %s %v", c.MediaRedirect, err)
		}
		if c, err := LoadConfig([]string{"-media-redirect", "5m"}, env(s3), io.Discard); err != nil || c.MediaRedirect != 5*time.Minute {
			t.Fatalf("5m: %s %v", c.MediaRedirect, err)
		}
		for _, bad := range []string{"soon", "-1m", "500ms", "169h"} {
			if _, err := LoadConfig([]string{"-media-redirect", bad}, env(s3), io.Discard); err == nil || !strings.Contains(err.Error(), "TROUPE_MEDIA_REDIRECT") {
				t.Errorf("accepted %q: %v", bad, err)
			}
		}
		if _, err := LoadConfig([]string{"-media-redirect", "5m"}, env(nil), io.Discard); err == nil || !strings.Contains(err.Error(), "needs media on S3") {
			t.Errorf("a folder store with redirects: %v", err)
		}
	})

	t.Run("secrets can come from files", func(t *testing.T) {
		f := t.TempDir() + "/db"
		if err := writeFile(f, "postgres://u:secret@db/troupe\n"); err != nil {
			t.Fatal(err)
		}
		c, err := LoadConfig(nil, env(map[string]string{"TROUPE_DATABASE_URL_FILE": f}), io.Discard)
		if err != nil || c.DatabaseURL != "postgres://u:secret@db/troupe" {
			t.Fatalf("%+v %v", c, err)
		}
	})

	t.Run("media on S3 with keys from files", func(t *testing.T) {
		f := t.TempDir() + "/secret"
		if err := writeFile(f, "s3cr3t\n"); err != nil {
			t.Fatal(err)
		}
		url := "s3://media?endpoint=http://127.0.0.1:7070&region=us-east-1&use_path_style=true"
		c, err := LoadConfig(nil, env(map[string]string{"TROUPE_BLOB_URL": url,
			"AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY_FILE": f}), io.Discard)
		if err != nil || c.BlobURL != url || c.S3.AccessKeyID != "AKID" || c.S3.SecretAccessKey != "s3cr3t" || c.mediaDir() != "" {
			t.Fatalf("%+v %v", c, err)
		}
		for _, bad := range []map[string]string{
			{"TROUPE_BLOB_URL": "s3://?region=x"},
			{"TROUPE_BLOB_URL": url, "AWS_ACCESS_KEY_ID": "AKID"},
		} {
			if _, err := LoadConfig(nil, env(bad), io.Discard); err == nil {
				t.Errorf("accepted %v", bad)
			}
		}
	})

	t.Run("invalid values stop the start, each named", func(t *testing.T) {
		_, err := LoadConfig(nil, env(map[string]string{
			"TROUPE_ADDR": "nonsense", "TROUPE_BASE_URL": "ftp://x", "TROUPE_DATABASE_URL": "mysql://x",
			"TROUPE_SMTP_URL": "http://mail", "TROUPE_LOG_FORMAT": "xml", "TROUPE_LOG_LEVEL": "loud", "TROUPE_BLOB_URL": "gs://bucket",
			"TROUPE_METRICS_ADDR": "9090", "TROUPE_TRUSTED_PROXIES": "10.0.0.0/8, proxy.internal",
		}), io.Discard)
		if err == nil {
			t.Fatal("accepted")
		}
		for _, name := range []string{"TROUPE_ADDR", "TROUPE_BASE_URL", "TROUPE_DATABASE_URL", "TROUPE_SMTP_URL", "TROUPE_LOG_FORMAT", "TROUPE_LOG_LEVEL", "TROUPE_BLOB_URL", "TROUPE_METRICS_ADDR", "TROUPE_TRUSTED_PROXIES"} {
			if !strings.Contains(err.Error(), name) {
				t.Errorf("error does not name %s: %v", name, err)
			}
		}
	})

	t.Run("the command reports bad configuration and exits 2", func(t *testing.T) {
		var out, errOut bytes.Buffer
		code := run([]string{"serve", "-addr", "nonsense"}, env(nil), &out, &errOut)
		if code != 2 || !strings.Contains(errOut.String(), "invalid configuration") {
			t.Fatalf("exit %d, stderr %q", code, errOut.String())
		}
		if code := run([]string{"version"}, env(nil), &out, &errOut); code != 0 || !strings.HasPrefix(out.String(), "troupe ") {
			t.Fatalf("version: exit %d, %q", code, out.String())
		}
	})
}

func TestServeCreatesDataDirAndAnswers(t *testing.T) {
	dir := t.TempDir() + "/fresh"
	var out bytes.Buffer
	cfg, err := LoadConfig([]string{"-addr", "127.0.0.1:0", "-data-dir", dir}, func(string) string { return "" }, &out)
	if err != nil {
		t.Fatal(err)
	}
	m := NewMain(cfg, cfg.newLogger(&out))
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer m.Close(context.Background())
	awaitReady(t, "http://"+m.Addr(), 30*time.Second)
	for _, p := range []string{dir + "/troupe.db", dir + "/media"} {
		if !exists(p) {
			t.Fatalf("%s was not created", p)
		}
	}
}

func TestGracefulShutdown(t *testing.T) {
	s := startServer(t, testkit.Engines(t)[0])
	// A request whose body is still arriving when shutdown starts.
	conn, err := net.Dial("tcp", s.main.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := `{"email":"late@example.com","password":"correct horse 1","name":"Late"}`
	fmt.Fprintf(conn, "POST /api/v1/auth/signup HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(body), body[:10])
	time.Sleep(100 * time.Millisecond)

	closed := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		closed <- s.main.Close(ctx)
	}()
	// Shutdown closes the listener first; give it a moment on a busy machine.
	deadline := time.Now().Add(5 * time.Second)
	for {
		conn, err := net.DialTimeout("tcp", s.main.Addr(), time.Second)
		if err != nil {
			break
		}
		conn.Close()
		if time.Now().After(deadline) {
			t.Fatal("new connections are still accepted during shutdown")
		}
		time.Sleep(20 * time.Millisecond)
	}
	select {
	case err := <-closed:
		t.Fatalf("shutdown finished before the in-flight request: %v", err)
	default:
	}
	fmt.Fprint(conn, body[10:])
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 201 {
		t.Fatalf("in-flight request got %d", res.StatusCode)
	}
	if err := <-closed; err != nil {
		t.Fatalf("close: %v", err)
	}
}
