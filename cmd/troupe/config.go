package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"troupe/internal/blob"
	"troupe/internal/sso"
	"troupe/internal/web"
)

// Config is the whole configuration of a Troupe server, read from flags
// and TROUPE_* environment variables (flags win), validated before start.
type Config struct {
	Addr        string
	MetricsAddr string
	DataDir     string
	BaseURL     string
	DatabaseURL string
	BlobURL     string
	// S3 signs requests to an s3:// media store; empty, the AWS SDK's
	// usual sources apply.
	S3        blob.Credentials
	SMTPURL   string
	MailDir   string
	MailFrom  string
	LogFormat string
	LogLevel  string
	// TrustedProxies lists the CIDRs of reverse proxies allowed to say who
	// the client is; Proxies is the list parsed.
	TrustedProxies string
	Proxies        web.Proxies
	// DNSResolver is the DNS server (host:port) that checks company
	// domains' TXT records; empty, the system's.
	DNSResolver string
	// VideoUploadLimit is the largest video upload in bytes, read from
	// videoUploadLimit ("20GiB").
	VideoUploadLimit int64
	videoUploadLimit string
	// UploadExpiry is how long an unfinished resumable upload may be
	// resumed before its bytes are removed, read from uploadExpiry.
	UploadExpiry time.Duration
	uploadExpiry string
	// MediaRedirect, when positive, sends requests for video and audio
	// bytes on S3 to signed URLs valid that long, read from mediaRedirect.
	MediaRedirect time.Duration
	mediaRedirect string
	// WebhooksAllowHTTP accepts http:// webhook endpoints, and
	// WebhooksAllowPrivate endpoints on loopback, private and link-local
	// addresses (on-premise targets, tests), read from their texts.
	WebhooksAllowHTTP    bool
	WebhooksAllowPrivate bool
	webhooksAllowHTTP    string
	webhooksAllowPrivate string
	// Providers are the OpenID providers people may sign in with, read
	// from oidcProviders (a JSON array) or the file oidcProvidersFile.
	Providers         []sso.Config
	oidcProviders     string
	oidcProvidersFile string
}

// envOr returns the variable name, or name_FILE's content (for secrets
// kept in files), or def.
func envOr(getenv func(string) string, name, def string) (string, error) {
	if v := getenv(name); v != "" {
		return v, nil
	}
	if path := getenv(name + "_FILE"); path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return "", fmt.Errorf("%s_FILE: %w", name, err)
		}
		return strings.TrimSpace(string(b)), nil
	}
	return def, nil
}

// LoadConfig reads args (without the program and command names) and the
// environment.
func LoadConfig(args []string, getenv func(string) string, stderr io.Writer) (Config, error) {
	var c Config
	vars := []struct {
		dst        *string
		flag, env  string
		def, usage string
	}{
		{&c.Addr, "addr", "TROUPE_ADDR", "127.0.0.1:8080", "address to listen on"},
		{&c.MetricsAddr, "metrics-addr", "TROUPE_METRICS_ADDR", "", "address serving Prometheus metrics at /metrics (default: none)"},
		{&c.DataDir, "data-dir", "TROUPE_DATA_DIR", "./troupe-data", "folder for the SQLite database and media"},
		{&c.BaseURL, "base-url", "TROUPE_BASE_URL", "", "public URL, used in links in mail (default http://ADDR)"},
		{&c.DatabaseURL, "database-url", "TROUPE_DATABASE_URL", "", "postgres://… for PostgreSQL (default SQLite in the data folder)"},
		{&c.BlobURL, "blob-url", "TROUPE_BLOB_URL", "", "where media is stored (default file://DATA-DIR/media)"},
		{&c.SMTPURL, "smtp-url", "TROUPE_SMTP_URL", "", "smtp://user:pass@host:port to send real mail (default: mail goes to the log)"},
		{&c.MailDir, "mail-dir", "TROUPE_MAIL_DIR", "", "without SMTP, also write each mail here as an .eml file"},
		{&c.MailFrom, "mail-from", "TROUPE_MAIL_FROM", "", "sender address of mail (default Troupe <no-reply@BASE-URL-HOST>)"},
		{&c.LogFormat, "log-format", "TROUPE_LOG_FORMAT", "text", "log format: text or json"},
		{&c.LogLevel, "log-level", "TROUPE_LOG_LEVEL", "info", "log level: debug, info, warn or error"},
		{&c.videoUploadLimit, "video-upload-limit", "TROUPE_VIDEO_UPLOAD_LIMIT", "20GiB", "largest video upload, in bytes or with a unit (KiB, MiB, GiB, TiB)"},
		{&c.uploadExpiry, "upload-expiry", "TROUPE_UPLOAD_EXPIRY", "24h", "how long an unfinished resumable upload may be resumed before it is removed"},
		{&c.mediaRedirect, "media-redirect", "TROUPE_MEDIA_REDIRECT", "0", "with media on S3: answer requests for video and audio bytes with a redirect to a URL of the bucket signed for this long, such as 1h (default 0: every byte passes through the server)"},
		{&c.DNSResolver, "dns-resolver", "TROUPE_DNS_RESOLVER", "", "host:port of the DNS server that checks company domains' TXT records (default: the system's)"},
		{&c.TrustedProxies, "trusted-proxies", "TROUPE_TRUSTED_PROXIES", "", "comma-separated CIDRs of reverse proxies whose Forwarded/X-Forwarded-For/X-Forwarded-Proto are believed (default: none)"},
		{&c.webhooksAllowHTTP, "webhooks-allow-http", "TROUPE_WEBHOOKS_ALLOW_HTTP", "false", "accept http:// webhook endpoints, not only https://"},
		{&c.webhooksAllowPrivate, "webhooks-allow-private", "TROUPE_WEBHOOKS_ALLOW_PRIVATE", "false", "let webhooks reach loopback, private and link-local addresses (on-premise targets)"},
		{&c.oidcProviders, "oidc-providers", "TROUPE_OIDC_PROVIDERS", "", `OpenID providers for single sign-on, a JSON array of {"id","name","issuer","client_id","client_secret" or "client_secret_file","scopes"} (default: none)`},
		{&c.oidcProvidersFile, "oidc-providers-file", "TROUPE_OIDC_PROVIDERS_FILE", "", "a file holding that JSON array instead"},
	}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	for _, v := range vars {
		def, err := envOr(getenv, v.env, v.def)
		if err != nil {
			return c, err
		}
		fs.StringVar(v.dst, v.flag, def, v.usage+" ["+v.env+"]")
	}
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	// The AWS SDK reads these variables itself; reading them here too lets
	// them come from files (AWS_SECRET_ACCESS_KEY_FILE) like other secrets.
	for _, v := range []struct {
		dst  *string
		name string
	}{
		{&c.S3.AccessKeyID, "AWS_ACCESS_KEY_ID"},
		{&c.S3.SecretAccessKey, "AWS_SECRET_ACCESS_KEY"},
		{&c.S3.SessionToken, "AWS_SESSION_TOKEN"},
	} {
		var err error
		if *v.dst, err = envOr(getenv, v.name, ""); err != nil {
			return c, err
		}
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	return c, c.complete()
}

// complete fills derived defaults and checks every value.
func (c *Config) complete() error {
	var problems []error
	host, _, err := net.SplitHostPort(c.Addr)
	if err != nil {
		problems = append(problems, fmt.Errorf("TROUPE_ADDR %q is not host:port", c.Addr))
	}
	if c.MetricsAddr != "" {
		if _, _, err := net.SplitHostPort(c.MetricsAddr); err != nil {
			problems = append(problems, fmt.Errorf("TROUPE_METRICS_ADDR %q is not host:port", c.MetricsAddr))
		}
	}
	if c.DataDir == "" {
		problems = append(problems, errors.New("TROUPE_DATA_DIR is empty"))
	}
	if c.BaseURL == "" {
		if host == "" || host == "0.0.0.0" || host == "::" {
			host = "localhost"
		}
		_, port, _ := net.SplitHostPort(c.Addr)
		c.BaseURL = "http://" + net.JoinHostPort(host, port)
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		problems = append(problems, fmt.Errorf("TROUPE_BASE_URL %q must be an http:// or https:// URL", c.BaseURL))
	}
	if c.DatabaseURL == "" {
		c.DatabaseURL = filepath.Join(c.DataDir, "troupe.db")
	} else if strings.Contains(c.DatabaseURL, "://") && !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") {
		problems = append(problems, errors.New("TROUPE_DATABASE_URL must be postgres://… or a SQLite file path"))
	}
	if c.BlobURL == "" {
		c.BlobURL = "file://" + filepath.Join(c.DataDir, "media")
	}
	switch {
	case strings.HasPrefix(c.BlobURL, "file://"):
		if c.mediaDir() == "" {
			problems = append(problems, errors.New("TROUPE_BLOB_URL file:// names no folder"))
		}
	case strings.HasPrefix(c.BlobURL, "s3://"):
		if u, err := url.Parse(c.BlobURL); err != nil || u.Host == "" {
			problems = append(problems, errors.New("TROUPE_BLOB_URL must look like s3://bucket?endpoint=https://host&region=…"))
		}
	default:
		problems = append(problems, fmt.Errorf("TROUPE_BLOB_URL %q must be file://FOLDER or s3://BUCKET?…", c.BlobURL))
	}
	if (c.S3.AccessKeyID == "") != (c.S3.SecretAccessKey == "") {
		problems = append(problems, errors.New("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY go together: set both or neither"))
	}
	if c.SMTPURL != "" {
		if u, err := url.Parse(c.SMTPURL); err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" {
			problems = append(problems, errors.New("TROUPE_SMTP_URL must look like smtp://user:pass@host:587 or smtps://host:465"))
		}
	}
	if c.MailFrom == "" {
		h := "localhost"
		if u, err := url.Parse(c.BaseURL); err == nil && u.Hostname() != "" {
			h = u.Hostname()
		}
		c.MailFrom = "Troupe <no-reply@" + h + ">"
	}
	if c.DNSResolver != "" {
		if _, port, err := net.SplitHostPort(c.DNSResolver); err != nil || port == "" {
			problems = append(problems, fmt.Errorf("TROUPE_DNS_RESOLVER: %q is not host:port", c.DNSResolver))
		}
	}
	if c.Proxies, err = web.ParseProxies(c.TrustedProxies); err != nil {
		problems = append(problems, fmt.Errorf("TROUPE_TRUSTED_PROXIES: %w", err))
	}
	if raw, err := providersJSON(c.oidcProviders, c.oidcProvidersFile); err != nil {
		problems = append(problems, err)
	} else if raw != nil {
		if c.Providers, err = sso.ParseConfig(raw); err != nil {
			problems = append(problems, fmt.Errorf("TROUPE_OIDC_PROVIDERS: %w", err))
		}
	}
	if c.VideoUploadLimit, err = parseSize(c.videoUploadLimit); err != nil || c.VideoUploadLimit <= 0 {
		problems = append(problems, fmt.Errorf("TROUPE_VIDEO_UPLOAD_LIMIT %q must be a size such as 20GiB or 500MiB", c.videoUploadLimit))
	}
	if c.UploadExpiry, err = time.ParseDuration(c.uploadExpiry); err != nil || c.UploadExpiry < time.Hour {
		problems = append(problems, fmt.Errorf("TROUPE_UPLOAD_EXPIRY %q must be a duration of an hour or more, such as 24h", c.uploadExpiry))
	}
	if c.MediaRedirect, err = time.ParseDuration(c.mediaRedirect); err != nil || c.MediaRedirect < 0 ||
		c.MediaRedirect > blob.MaxSignedLifetime || (c.MediaRedirect > 0 && c.MediaRedirect < time.Second) {
		problems = append(problems, fmt.Errorf("TROUPE_MEDIA_REDIRECT %q must be 0 or a duration from 1s to 168h, such as 1h", c.mediaRedirect))
	} else if c.MediaRedirect > 0 && !strings.HasPrefix(c.BlobURL, "s3://") {
		problems = append(problems, errors.New("TROUPE_MEDIA_REDIRECT needs media on S3 (TROUPE_BLOB_URL=s3://…): a folder has no URLs to redirect to"))
	}
	if c.WebhooksAllowHTTP, err = strconv.ParseBool(c.webhooksAllowHTTP); err != nil {
		problems = append(problems, fmt.Errorf("TROUPE_WEBHOOKS_ALLOW_HTTP %q must be true or false", c.webhooksAllowHTTP))
	}
	if c.WebhooksAllowPrivate, err = strconv.ParseBool(c.webhooksAllowPrivate); err != nil {
		problems = append(problems, fmt.Errorf("TROUPE_WEBHOOKS_ALLOW_PRIVATE %q must be true or false", c.webhooksAllowPrivate))
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		problems = append(problems, fmt.Errorf("TROUPE_LOG_FORMAT %q must be text or json", c.LogFormat))
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.LogLevel)); err != nil {
		problems = append(problems, fmt.Errorf("TROUPE_LOG_LEVEL %q must be debug, info, warn or error", c.LogLevel))
	}
	return errors.Join(problems...)
}

// sizeUnits are the units of a size setting, in powers of 1024 whether
// spelt KiB or KB.
var sizeUnits = []struct {
	suffix string
	bytes  int64
}{{"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30}, {"tib", 1 << 40},
	{"kb", 1 << 10}, {"mb", 1 << 20}, {"gb", 1 << 30}, {"tb", 1 << 40}, {"k", 1 << 10}, {"m", 1 << 20}, {"g", 1 << 30}, {"t", 1 << 40}, {"b", 1}}

// parseSize reads a size in bytes: a whole number, with a unit or without.
func parseSize(s string) (int64, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	unit := int64(1)
	for _, u := range sizeUnits {
		if num, ok := strings.CutSuffix(s, u.suffix); ok {
			s, unit = strings.TrimSpace(num), u.bytes
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, err
	}
	if n > math.MaxInt64/unit {
		return 0, errors.New("too large")
	}
	return n * unit, nil
}

// mediaDir is the local folder behind a file:// blob URL, "" for object
// storage.
func (c Config) mediaDir() string {
	dir, _ := strings.CutPrefix(c.BlobURL, "file://")
	if dir == c.BlobURL {
		return ""
	}
	return dir
}

// newLogger builds the process logger.
func (c Config) newLogger(w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(c.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// providersJSON is the identity providers' configuration, given inline or
// in a file (not both), or nil for none.
func providersJSON(inline, file string) ([]byte, error) {
	switch {
	case inline != "" && file != "":
		return nil, errors.New("set TROUPE_OIDC_PROVIDERS or TROUPE_OIDC_PROVIDERS_FILE, not both")
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("TROUPE_OIDC_PROVIDERS_FILE: %w", err)
		}
		return b, nil
	case inline != "":
		return []byte(inline), nil
	}
	return nil, nil
}
