package sqlstore

import (
	"strings"
	"testing"
	"unicode"
)

func TestParseTextQuery(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in         string
		want       []string
		wantPrefix bool
	}{
		{"", nil, false},
		{"Payment", []string{"payment"}, true},
		{"payment ", []string{"payment"}, false},
		{`"pay" OR -led*`, []string{"pay", "or", "led"}, false},
		{"payment-serv", []string{"payment", "serv"}, true},
		{"Zoë e\u0301", []string{"zoë", "e\u0301"}, true},
		{"日本語", []string{"日本語"}, true},
		{"--- ***", nil, false},
	} {
		got, prefix := ParseTextQuery(tc.in)
		if strings.Join(got, "|") != strings.Join(tc.want, "|") || prefix != tc.wantPrefix {
			t.Errorf("ParseTextQuery(%q) = %q, %v; want %q, %v", tc.in, got, prefix, tc.want, tc.wantPrefix)
		}
	}
}

// FuzzParseTextQuery checks that terms are never empty and hold only
// letters, digits and marks, so no flavor ever sees syntax in them.
func FuzzParseTextQuery(f *testing.F) {
	for _, s := range []string{"", `"`, "*", "a OR b", "NEAR(a b)", "x:*", "Zoë", "\x00", "a\u0301"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		terms, prefix := ParseTextQuery(s)
		if prefix && len(terms) == 0 {
			t.Errorf("ParseTextQuery(%q): prefix without terms", s)
		}
		if len(terms) > maxTextTerms {
			t.Errorf("ParseTextQuery(%q): %d terms", s, len(terms))
		}
		for _, term := range terms {
			if term == "" {
				t.Errorf("ParseTextQuery(%q): empty term", s)
			}
			for _, r := range term {
				if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.Is(unicode.M, r) {
					t.Errorf("ParseTextQuery(%q): term %q holds %q", s, term, r)
				}
			}
		}
	})
}
