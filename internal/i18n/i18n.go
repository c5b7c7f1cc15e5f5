// Package i18n holds the English and French message catalogs and picks
// the language of a request: the user's setting first, then the browser's.
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"golang.org/x/text/language"

	"troupe/internal/troupe"
)

//go:embed catalog
var catalogs embed.FS

// Default is the language used when nothing else matches.
const Default = troupe.DefaultLocale

// Catalog maps language → key → message. Messages may hold {name}
// placeholders filled by T.
type Catalog struct {
	msgs    map[string]map[string]string
	matcher language.Matcher
}

// Load reads the embedded catalogs — one folder per language, one file per
// entity named as in the other layers, plus common.json for what every page
// shares — and checks that every language has exactly the
// keys of the default one, so a missing translation fails the start
// instead of showing a key to a user.
func Load() (*Catalog, error) {
	c := &Catalog{msgs: map[string]map[string]string{}}
	tags := make([]language.Tag, 0, len(troupe.Locales))
	for _, lang := range troupe.Locales {
		files, err := fs.Glob(catalogs, "catalog/"+lang+"/*.json")
		if err != nil || len(files) == 0 {
			return nil, fmt.Errorf("i18n: no catalog for %s", lang)
		}
		m := map[string]string{}
		for _, f := range files {
			raw, err := catalogs.ReadFile(f)
			if err != nil {
				return nil, fmt.Errorf("i18n: %w", err)
			}
			part := map[string]string{}
			if err := json.Unmarshal(raw, &part); err != nil {
				return nil, fmt.Errorf("i18n: %s: %w", f, err)
			}
			for k, v := range part {
				if _, dup := m[k]; dup {
					return nil, fmt.Errorf("i18n: %s repeats key %q", f, k)
				}
				m[k] = v
			}
		}
		c.msgs[lang] = m
		tags = append(tags, language.Make(lang))
	}
	base := c.msgs[Default]
	for _, lang := range troupe.Locales[1:] {
		for k := range base {
			if _, ok := c.msgs[lang][k]; !ok {
				return nil, fmt.Errorf("i18n: catalog %s lacks %q", lang, k)
			}
		}
		for k := range c.msgs[lang] {
			if _, ok := base[k]; !ok {
				return nil, fmt.Errorf("i18n: catalog %s has unknown key %q", lang, k)
			}
		}
	}
	c.matcher = language.NewMatcher(tags)
	return c, nil
}

// Has reports whether key exists in the catalogs.
func (c *Catalog) Has(key string) bool {
	_, ok := c.msgs[Default][key]
	return ok
}

// T returns the message key in lang with {name} placeholders replaced by
// the pairs in args ("name", value, …). An unknown key comes back as is,
// which tests catch.
func (c *Catalog) T(lang, key string, args ...any) string {
	m, ok := c.msgs[lang]
	if !ok {
		m = c.msgs[Default]
	}
	s, ok := m[key]
	if !ok {
		return key
	}
	for i := 0; i+1 < len(args); i += 2 {
		s = strings.ReplaceAll(s, "{"+fmt.Sprint(args[i])+"}", fmt.Sprint(args[i+1]))
	}
	return s
}

// Match picks the language for a request: setting when it names a
// catalog, else the best match of the Accept-Language header.
func (c *Catalog) Match(setting, acceptLanguage string) string {
	if slices.Contains(troupe.Locales, setting) {
		return setting
	}
	tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(tags) == 0 {
		return Default
	}
	_, idx, conf := c.matcher.Match(tags...)
	if conf == language.No {
		return Default
	}
	return troupe.Locales[idx]
}

// Keys returns every key of the default catalog.
func (c *Catalog) Keys() []string {
	keys := make([]string, 0, len(c.msgs[Default]))
	for k := range c.msgs[Default] {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
