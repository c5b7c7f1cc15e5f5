// Package mail renders Troupe's emails (plain text and HTML, in the
// recipient's language) and hands them to a sender: SMTP, or the log and an
// optional folder of .eml files.
package mail

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"log/slog"
	netmail "net/mail"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	texttemplate "text/template"
	"time"

	gomail "github.com/wneessen/go-mail"

	"troupe/internal/i18n"
	"troupe/internal/troupe"
)

// Message is one rendered email, ready to send. It is what the job queue
// stores, so it holds only plain fields.
type Message struct {
	// ID, when set, becomes the Message-ID's local part: the job queue
	// derives it from the job, so a copy sent again is recognisable.
	ID      string `json:"id,omitempty"`
	To      string `json:"to"`
	Subject string `json:"subject"`
	Text    string `json:"text"`
	HTML    string `json:"html"`
}

// Sender delivers messages.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

//go:embed templates/*
var templateFS embed.FS

// Renderer turns a mail kind and its data into a Message.
type Renderer struct {
	cat     *i18n.Catalog
	baseURL string
	text    *texttemplate.Template
	html    *htmltemplate.Template
}

// NewRenderer parses the mail templates; links in mails start with baseURL.
func NewRenderer(cat *i18n.Catalog, baseURL string) (*Renderer, error) {
	text, err := texttemplate.ParseFS(templateFS, "templates/mail.txt")
	if err != nil {
		return nil, fmt.Errorf("mail templates: %w", err)
	}
	html, err := htmltemplate.ParseFS(templateFS, "templates/mail.html")
	if err != nil {
		return nil, fmt.Errorf("mail templates: %w", err)
	}
	return &Renderer{cat: cat, baseURL: baseURL, text: text, html: html}, nil
}

// Email describes one mail: a kind (which names its catalog strings),
// the recipient, their language, an optional call-to-action path and the
// values for the strings' placeholders.
type Email struct {
	Kind   string
	To     string
	Lang   string
	Path   string // call-to-action link, relative to the base URL
	Params []any  // placeholder pairs for the catalog strings
}

// Key is a placeholder value that is itself a catalog key, said in the
// mail's language: a role's name, for instance.
type Key string

type view struct {
	Lang, Subject, Greeting, Body, Action, Link, Outro, Footer string
}

// Render builds the Message for e.
func (r *Renderer) Render(e Email) (Message, error) {
	if !r.cat.Has("mail." + e.Kind + ".subject") {
		return Message{}, fmt.Errorf("mail: unknown kind %q", e.Kind)
	}
	// No value reaches a mail with control or invisible characters,
	// whoever chose it.
	params := make([]any, len(e.Params))
	for i, p := range e.Params {
		if s, ok := p.(string); ok && i%2 == 1 {
			p = clean(s)
		}
		if k, ok := p.(Key); ok && i%2 == 1 {
			p = r.cat.T(e.Lang, string(k))
		}
		params[i] = p
	}
	t := func(part string) string {
		key := "mail." + e.Kind + "." + part
		if !r.cat.Has(key) {
			return ""
		}
		return r.cat.T(e.Lang, key, params...)
	}
	v := view{
		Lang:     e.Lang,
		Subject:  t("subject"),
		Greeting: r.cat.T(e.Lang, "mail.greeting"),
		Body:     t("body"),
		Action:   t("action"),
		Outro:    t("outro"),
		Footer:   r.cat.T(e.Lang, "mail.footer"),
	}
	if e.Path != "" {
		v.Link = r.baseURL + e.Path
	}
	var text, html bytes.Buffer
	if err := r.text.Execute(&text, v); err != nil {
		return Message{}, fmt.Errorf("mail %s: %w", e.Kind, err)
	}
	if err := r.html.Execute(&html, v); err != nil {
		return Message{}, fmt.Errorf("mail %s: %w", e.Kind, err)
	}
	return Message{To: e.To, Subject: v.Subject, Text: text.String(), HTML: html.String()}, nil
}

func build(from string, m Message) (*gomail.Msg, error) {
	msg := gomail.NewMsg()
	if err := msg.From(from); err != nil {
		return nil, fmt.Errorf("mail from %q: %w", from, err)
	}
	if err := msg.To(m.To); err != nil {
		return nil, fmt.Errorf("mail to: %w", err)
	}
	msg.Subject(m.Subject)
	msg.SetDate()
	if m.ID != "" {
		msg.SetMessageIDWithValue(m.ID + "@" + domainOf(from))
	} else {
		msg.SetMessageID()
	}
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	return msg, nil
}

// domainOf returns the domain of the sender address, the right-hand side
// of every Message-ID we make.
func domainOf(from string) string {
	if a, err := netmail.ParseAddress(from); err == nil {
		if _, domain, ok := strings.Cut(a.Address, "@"); ok && domain != "" {
			return domain
		}
	}
	return "troupe.invalid"
}

// SMTPSender sends through an SMTP server.
type SMTPSender struct {
	from string
	host string
	opts []gomail.Option
}

// NewSMTPSender reads an SMTP URL: smtp://user:pass@host:port (STARTTLS
// when offered; ?tls=required to insist, ?tls=none to never try) or
// smtps://… (TLS from the first byte).
func NewSMTPSender(rawURL, from string) (*SMTPSender, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("smtp url: %w", err)
	}
	if u.Hostname() == "" {
		return nil, errors.New("smtp url: no host")
	}
	opts := []gomail.Option{gomail.WithTimeout(30 * time.Second)}
	port := 0
	if p := u.Port(); p != "" {
		if port, err = strconv.Atoi(p); err != nil {
			return nil, fmt.Errorf("smtp url: bad port %q", p)
		}
	}
	switch u.Scheme {
	case "smtps":
		opts = append(opts, gomail.WithSSL())
		if port == 0 {
			port = 465
		}
	case "smtp":
		if port == 0 {
			port = 587
		}
		switch u.Query().Get("tls") {
		case "", "opportunistic":
			opts = append(opts, gomail.WithTLSPortPolicy(gomail.TLSOpportunistic))
		case "required":
			opts = append(opts, gomail.WithTLSPortPolicy(gomail.TLSMandatory))
		case "none":
			opts = append(opts, gomail.WithTLSPortPolicy(gomail.NoTLS))
		default:
			return nil, fmt.Errorf("smtp url: tls must be opportunistic, required or none")
		}
	default:
		return nil, fmt.Errorf("smtp url: scheme must be smtp or smtps, not %q", u.Scheme)
	}
	opts = append(opts, gomail.WithPort(port))
	if u.User != nil {
		pass, _ := u.User.Password()
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(u.User.Username()), gomail.WithPassword(pass))
	}
	if from == "" {
		return nil, errors.New("smtp: no sender address")
	}
	return &SMTPSender{from: from, host: u.Hostname(), opts: opts}, nil
}

// Send delivers m.
func (s *SMTPSender) Send(ctx context.Context, m Message) error {
	msg, err := build(s.from, m)
	if err != nil {
		return err
	}
	client, err := gomail.NewClient(s.host, s.opts...)
	if err != nil {
		return fmt.Errorf("smtp client: %w", err)
	}
	if err := client.DialAndSendWithContext(ctx, msg); err != nil {
		return fmt.Errorf("smtp send: %w", err)
	}
	return nil
}

// LogSender writes each mail to the log and, when dir is set, as an .eml
// file there: the default when no SMTP server is configured.
type LogSender struct {
	from string
	dir  string
	log  *slog.Logger
}

// NewLogSender returns a LogSender; dir may be empty.
func NewLogSender(from, dir string, log *slog.Logger) (*LogSender, error) {
	if dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("mail dir: %w", err)
		}
	}
	return &LogSender{from: from, dir: dir, log: log}, nil
}

// Send logs m and writes it to the mail folder.
func (s *LogSender) Send(ctx context.Context, m Message) error {
	s.log.InfoContext(ctx, "mail", "to", m.To, "subject", m.Subject, "text", m.Text)
	if s.dir == "" {
		return nil
	}
	msg, err := build(s.from, m)
	if err != nil {
		return err
	}
	secret, _ := troupe.NewSecret()
	name := time.Now().UTC().Format("20060102T150405.000000000") + "-" + secret[:8] + ".eml"
	tmp := filepath.Join(s.dir, "."+name)
	if err := msg.WriteToFile(tmp); err != nil {
		return fmt.Errorf("write mail: %w", err)
	}
	// Renaming makes a mail appear whole or not at all to readers.
	return os.Rename(tmp, filepath.Join(s.dir, name))
}
