package i18n

import "testing"

func TestMatch(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct{ setting, accept, want string }{
		{"", "", "en"},
		{"", "fr-CA,fr;q=0.9,en;q=0.8", "fr"},
		{"", "de-DE,de;q=0.9", "en"},
		{"", "de;q=0.9,fr;q=0.5", "fr"},
		{"en", "fr", "en"},
		{"fr", "en-US", "fr"},
		{"xx", "fr", "fr"},
		{"", "garbage;;;q=x", "en"},
	}
	for _, tc := range cases {
		if got := c.Match(tc.setting, tc.accept); got != tc.want {
			t.Errorf("Match(%q, %q) = %q, want %q", tc.setting, tc.accept, got, tc.want)
		}
	}
}

func TestT(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if got := c.T("fr", "home.welcome", "name", "Zoé"); got != "Bienvenue, Zoé" {
		t.Errorf("got %q", got)
	}
	if got := c.T("de", "home.welcome", "name", "Max"); got != "Welcome, Max" {
		t.Errorf("unknown language must fall back to English, got %q", got)
	}
	if got := c.T("en", "no.such.key"); got != "no.such.key" {
		t.Errorf("got %q", got)
	}
}
