package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// replyAPI answers every request with status and body and records "METHOD
// URI". Tests read the record after the request returned; the mutex makes
// that visible to the race detector, which cannot see through the socket.
func replyAPI(t *testing.T, status int, body string) *[]string {
	t.Helper()
	var mu sync.Mutex
	var reqs []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		reqs = append(reqs, r.Method+" "+r.URL.RequestURI())
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	t.Setenv(envURL, srv.URL)
	t.Setenv(envToken, "")
	return &reqs
}

// Not parallel: t.Setenv.
func TestFind(t *testing.T) {
	reqs := replyAPI(t, http.StatusOK, `{"ok":true,"results":[
		{"blueprint":"service","identifier":"payments","title":"Payments","snippet":"<mark>Payments</mark> API\nfor cards"},
		{"blueprint":"domain","identifier":"pay","title":"","snippet":"<mark>pay</mark>"}]}`)
	out, err := run(t, "find", "pay", "OR", `"x"`, "-b", "service,domain", "--limit", "5")
	if err != nil {
		t.Fatal(err)
	}
	want := `BLUEPRINT  IDENTIFIER  TITLE     MATCH
service    payments    Payments  *Payments* API for cards
domain     pay         -         *pay*
`
	if d := cmp.Diff(want, out); d != "" {
		t.Errorf("table (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{`GET /v1/search?blueprint=service&blueprint=domain&limit=5&q=pay+OR+%22x%22`}, *reqs); d != "" {
		t.Errorf("requests (-want +got):\n%s", d)
	}

	*reqs = nil
	out, err = run(t, "find", "ledger", "-o", "json")
	if err != nil || !strings.Contains(out, `"identifier": "payments"`) {
		t.Errorf("find -o json = %q, %v", out, err)
	}
	if d := cmp.Diff([]string{"GET /v1/search?limit=20&q=ledger"}, *reqs); d != "" {
		t.Errorf("requests (-want +got):\n%s", d)
	}
	if _, err := run(t, "find"); err == nil {
		t.Error("find without TEXT: nil error")
	}
}

func TestFindError(t *testing.T) {
	replyAPI(t, http.StatusUnprocessableEntity, `{"ok":false,"error":"invalid_request","message":"full-text search: q: must not be empty","details":{}}`)
	if _, err := run(t, "find", " "); err == nil || !strings.Contains(err.Error(), "q: must not be empty") {
		t.Errorf("find error = %v, want the server's message", err)
	}
}

func TestImpact(t *testing.T) {
	reqs := replyAPI(t, http.StatusOK, `{"ok":true,"impact":{"blueprint":"service","identifier":"ledger","direction":"downstream","maxHops":3,
		"total":2,"truncated":false,"blueprints":[{"blueprint":"service","count":2,"entities":[
		{"blueprint":"service","identifier":"payments","title":"Payments","team":["pay"],"hops":1,
		 "path":[{"blueprint":"service","identifier":"ledger"},{"blueprint":"service","identifier":"payments","relation":"dependsOn"}]},
		{"blueprint":"service","identifier":"checkout","title":"Checkout","team":[],"hops":2,
		 "path":[{"blueprint":"service","identifier":"ledger"},{"blueprint":"service","identifier":"payments","relation":"dependsOn"},
		         {"blueprint":"service","identifier":"checkout","relation":"dependsOn"}]}]}],
		"teams":[{"team":"pay","count":1,"entities":[{"blueprint":"service","identifier":"payments"}]},
		         {"team":"","count":1,"entities":[{"blueprint":"service","identifier":"checkout"}]}]}}`)
	out, err := run(t, "impact", "service", "ledger/v2")
	if err != nil {
		t.Fatal(err)
	}
	want := `downstream of service/ledger within 3 hops: 2 entities

BLUEPRINT  IDENTIFIER  HOPS  TEAM  PATH
service    payments    1     pay   service/ledger <-dependsOn- service/payments
service    checkout    2     -     service/ledger <-dependsOn- service/payments <-dependsOn- service/checkout

TEAM  ENTITIES
pay   1
-     1
`
	if d := cmp.Diff(want, out); d != "" {
		t.Errorf("table (-want +got):\n%s", d)
	}
	*reqs = nil
	if _, err := run(t, "impact", "service", "checkout", "--direction", "upstream", "--max-hops", "7", "-o", "yaml"); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{
		"GET /v1/blueprints/service/entities/checkout/impact?direction=upstream&max_hops=7",
	}, *reqs); d != "" {
		t.Errorf("requests (-want +got):\n%s", d)
	}
	*reqs = nil
	if _, err := run(t, "impact", "service", "x", "--direction", "sideways"); err == nil || len(*reqs) != 0 {
		t.Errorf("--direction sideways = %v after %v, want an error and no request", err, *reqs)
	}
}
