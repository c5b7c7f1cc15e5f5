package web

import (
	"testing"
	"time"

	"troupe/internal/i18n"
)

// Dates read as each language writes them, a sentence keeps its words
// around the time, and an invite link's last day is the day chosen.
func TestTimeWords(t *testing.T) {
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	en, fr := &view{cat: cat, Lang: "en"}, &view{cat: cat, Lang: "fr"}
	first := time.Date(2025, 3, 1, 9, 5, 0, 0, time.UTC)
	midnight := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC) // the end of February 28
	for _, c := range []struct{ got, want string }{
		{en.Date(first), "March 1, 2025"},
		{fr.Date(first), "1er mars 2025"},
		{fr.Date(first.AddDate(0, 0, 1)), "2 mars 2025"},
		{fr.Exact(first), "1er mars 2025 à 09:05 UTC"},
		{fr.WhenOn(first).On, "le"},
		{fr.WhenOn(time.Now().Add(-3 * time.Hour)).On, ""},
		{fr.When(time.Now().Add(-3 * time.Hour)).Text, "il y a 3 heures"},
		{fr.LastDay(midnight).Text, "28 février 2025"},
		{fr.LastDay(first).Local, "time"},
		{fr.Day(first).Local, "date"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
	s := fr.Sentence("trash.deleted_on", "date", fr.Day(first))
	if s.Before != "Suppression définitive le " || s.After != "" || s.Time.Text != "1er mars 2025" {
		t.Errorf("sentence: %+v", s)
	}
	s = en.Sentence("link.expires_on", "date", en.LastDay(midnight))
	if s.Before != "works until " || s.Time.Text != "February 28, 2025" {
		t.Errorf("sentence: %+v", s)
	}
}
