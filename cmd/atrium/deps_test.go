package main

import (
	"bufio"
	"bytes"
	"os/exec"
	"strings"
	"testing"
)

const modulePath = "github.com/atrium-idp/atrium"

// TestDependencyDirection checks the arrows of DESIGN §2 with `go list -deps`:
// model imports no internal package; store imports only model; no service
// imports httpapi or a store driver; httpapi imports no driver; drivers
// import no service (only model, store, shared driver code such as
// store/sqlstore and utilities); a utility (internal/parallel, gctune) imports no
// internal package; and no production package imports a …test helper.
// Each failure names the broken rule.
func TestDependencyDirection(t *testing.T) {
	t.Parallel()
	cmd := exec.Command("go", "list", "-e", "-deps=false", "-f", `{{.ImportPath}}{{range .Deps}} {{.}}{{end}}`, modulePath+"/...")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	deps := map[string][]string{} // internal package → internal packages it depends on (transitively)
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 {
			continue
		}
		pkg := strings.TrimPrefix(fields[0], modulePath+"/")
		for _, d := range fields[1:] {
			if rel, ok := strings.CutPrefix(d, modulePath+"/"); ok {
				deps[pkg] = append(deps[pkg], rel)
			}
		}
		if _, ok := deps[pkg]; !ok {
			deps[pkg] = nil
		}
	}
	if len(deps) == 0 {
		t.Fatal("go list returned no packages")
	}

	// Utilities are leaves any package may import.
	isUtility := func(p string) bool { return p == "internal/parallel" || p == "internal/gctune" }
	isDriver := func(p string) bool {
		return strings.HasPrefix(p, "internal/store/") && !isTestHelper(p)
	}
	isService := func(p string) bool {
		if !strings.HasPrefix(p, "internal/") || isTestHelper(p) {
			return false
		}
		switch {
		case p == "internal/httpapi", strings.HasPrefix(p, "internal/httpapi/"),
			p == "internal/webui", p == "internal/model",
			p == "internal/store", strings.HasPrefix(p, "internal/store/"):
			return false
		}
		return true
	}

	for pkg, ds := range deps {
		for _, d := range ds {
			var rule string
			switch {
			case pkg == "internal/model":
				rule = "model imports no internal package"
			case isUtility(pkg):
				rule = "a utility imports no internal package"
			case pkg == "internal/store" && d != "internal/model":
				rule = "store imports only model"
			case isDriver(pkg) && d != "internal/model" && d != "internal/store" && !isDriver(d) && !isUtility(d):
				rule = "a store driver imports only model, store, driver-side store packages (sqlstore) and utilities"
			case isService(pkg) && (d == "internal/httpapi" || strings.HasPrefix(d, "internal/httpapi/")):
				rule = "a service never imports httpapi"
			case isService(pkg) && isDriver(d):
				rule = "a service never imports a store driver (only cmd/atrium does)"
			case (pkg == "internal/httpapi" || strings.HasPrefix(pkg, "internal/httpapi/")) && isDriver(d):
				rule = "httpapi never imports a store driver"
			case !isTestHelper(pkg) && isTestHelper(d):
				rule = "production code never imports a …test helper package"
			}
			if rule != "" {
				t.Errorf("%s depends on %s: %s (DESIGN §2)", pkg, d, rule)
			}
		}
	}
}

// isTestHelper reports whether p is a test-helper package (storetest,
// clocktest, dbtest, …), which only _test.go files may import.
func isTestHelper(p string) bool {
	last := p[strings.LastIndex(p, "/")+1:]
	return strings.HasSuffix(last, "test") && last != "test"
}
