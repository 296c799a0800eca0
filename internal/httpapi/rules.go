package httpapi

import "github.com/atrium-idp/atrium/internal/model"

// accessLevel says who may call a route at all. The zero value is invalid, so
// a rule written without one is caught by the rule-table test.
type accessLevel int

const (
	// accessPublic routes need no credential (health, the OpenAPI document,
	// signing in).
	accessPublic accessLevel = iota + 1
	// accessAuthenticated routes need a principal; the services make the
	// finer checks (blueprint permissions, moderators) and return
	// ErrForbidden.
	accessAuthenticated
	// accessAdmin routes need the Admin role.
	accessAdmin
)

// rule is one route's declaration, which drives both authorization and the
// audit log (after Clutch: one declaration per route, not two lists that
// drift apart).
type rule struct {
	access accessLevel
	// action and resource are what the audit entry records; action "" marks
	// a read (GETs and read-only POSTs such as searches), which is not
	// recorded.
	action   string
	resource string
	// signIn routes get the stricter per-address rate limit.
	signIn bool
}

// Rule shorthands keep the table one line per route.
var (
	publicRead = rule{access: accessPublic}
	read       = rule{access: accessAuthenticated}
)

func write(action, resource string) rule {
	return rule{access: accessAuthenticated, action: action, resource: resource}
}

func adminWrite(action, resource string) rule {
	return rule{access: accessAdmin, action: action, resource: resource}
}

func adminRead() rule { return rule{access: accessAdmin} }

func signIn(action string) rule {
	return rule{access: accessPublic, action: action, resource: model.AuditResourceSession, signIn: true}
}

// rules maps every route ("METHOD /path" exactly as registered, see Routes)
// to its rule. register and handleRaw panic on a route without one, so a new
// route cannot ship without deciding who may call it.
var rules = map[string]rule{
	"GET /healthz":           publicRead,
	"GET /readyz":            publicRead,
	"GET /v1/openapi.json":   publicRead,
	"GET /v1/openapi.yaml":   publicRead,
	"GET /v1/auth/providers": publicRead,

	"POST /v1/auth/access_token": signIn(model.AuditLogin),
	"POST /v1/auth/login":        signIn(model.AuditLogin),
	"GET /v1/auth/oidc/login":    {access: accessPublic, signIn: true},
	"GET /v1/auth/oidc/callback": signIn(model.AuditLogin),
	// Logout is public so a stale session can still clear its cookies.
	"POST /v1/auth/logout": {access: accessPublic, action: model.AuditLogout, resource: model.AuditResourceSession},
	"GET /v1/auth/me":      read,

	"GET /v1/users":                            read,
	"POST /v1/users":                           adminWrite(model.AuditCreate, model.AuditResourceUser),
	"POST /v1/users/invite":                    adminWrite(model.AuditCreate, model.AuditResourceUser),
	"GET /v1/users/{email}":                    read,
	"PATCH /v1/users/{email}":                  adminWrite(model.AuditUpdate, model.AuditResourceUser),
	"DELETE /v1/users/{email}":                 adminWrite(model.AuditDelete, model.AuditResourceUser),
	"PUT /v1/users/{email}/password":           write(model.AuditUpdate, model.AuditResourceUser),       // self or Admin
	"POST /v1/rotate-credentials/{user_email}": write(model.AuditRotate, model.AuditResourceCredential), // self or Admin

	"GET /v1/teams":           read,
	"POST /v1/teams":          adminWrite(model.AuditCreate, model.AuditResourceTeam),
	"GET /v1/teams/{name}":    read,
	"PUT /v1/teams/{name}":    adminWrite(model.AuditUpdate, model.AuditResourceTeam),
	"PATCH /v1/teams/{name}":  adminWrite(model.AuditUpdate, model.AuditResourceTeam),
	"DELETE /v1/teams/{name}": adminWrite(model.AuditDelete, model.AuditResourceTeam),

	"GET /v1/apps":                     read, // the caller's own; Admins see all
	"POST /v1/apps":                    adminWrite(model.AuditCreate, model.AuditResourceCredential),
	"GET /v1/apps/{id}":                read,
	"PUT /v1/apps/{id}":                adminWrite(model.AuditUpdate, model.AuditResourceCredential),
	"DELETE /v1/apps/{id}":             adminWrite(model.AuditDelete, model.AuditResourceCredential),
	"POST /v1/apps/{id}/rotate-secret": adminWrite(model.AuditRotate, model.AuditResourceCredential),

	"GET /v1/blueprints/{identifier}/permissions":   read, // Admins and moderators (the catalog decides)
	"PATCH /v1/blueprints/{identifier}/permissions": write(model.AuditUpdate, model.AuditResourcePermissions),
	"GET /v1/audit-log":                             read, // the audit service filters by caller

	"GET /v1/blueprints":                                            read,
	"POST /v1/blueprints":                                           adminWrite(model.AuditCreate, model.AuditResourceBlueprint),
	"GET /v1/blueprints/{identifier}":                               read,
	"PUT /v1/blueprints/{identifier}":                               write(model.AuditUpdate, model.AuditResourceBlueprint),
	"PATCH /v1/blueprints/{identifier}":                             write(model.AuditUpdate, model.AuditResourceBlueprint),
	"DELETE /v1/blueprints/{identifier}":                            write(model.AuditDelete, model.AuditResourceBlueprint),
	"PATCH /v1/blueprints/{blueprint}/properties/{property}/rename": write(model.AuditUpdate, model.AuditResourceBlueprint),
	"PATCH /v1/blueprints/{blueprint}/mirror/{mirror}/rename":       write(model.AuditUpdate, model.AuditResourceBlueprint),
	"PATCH /v1/blueprints/{blueprint}/relations/{relation}/rename":  write(model.AuditUpdate, model.AuditResourceBlueprint),

	"POST /v1/blueprints/{blueprint}/entities":                 write(model.AuditCreate, model.AuditResourceEntity),
	"GET /v1/blueprints/{blueprint}/entities":                  read,
	"POST /v1/blueprints/{blueprint}/entities/bulk":            write(model.AuditCreate, model.AuditResourceEntity),
	"GET /v1/blueprints/{blueprint}/entities/{entity}":         read,
	"PUT /v1/blueprints/{blueprint}/entities/{entity}":         write(model.AuditUpdate, model.AuditResourceEntity),
	"PATCH /v1/blueprints/{blueprint}/entities/{entity}":       write(model.AuditUpdate, model.AuditResourceEntity),
	"DELETE /v1/blueprints/{blueprint}/entities/{entity}":      write(model.AuditDelete, model.AuditResourceEntity),
	"GET /v1/blueprints/{blueprint}/entities-count":            read,
	"POST /v1/blueprints/{blueprint}/entities-count":           read,
	"DELETE /v1/blueprints/{blueprint}/all-entities":           write(model.AuditDelete, model.AuditResourceEntity),
	"POST /v1/blueprints/{blueprint}/bulk/entities/delete":     write(model.AuditDelete, model.AuditResourceEntity),
	"POST /v1/blueprints/{blueprint}/entities/search":          read,
	"GET /v1/blueprints/{blueprint}/entities/{entity}/history": read,
	"GET /v1/blueprints/{blueprint}/entities/{entity}/impact":  read,

	"POST /v1/entities/search":             read,
	"POST /v1/entities/aggregate":          read,
	"POST /v1/entities/properties-history": read,
	"GET /v1/search":                       read,
	"GET /v1/catalog/diff":                 read,
	"GET /v1/events/stream":                read,
}

// ruleFor returns the rule of pattern, panicking when it has none (called
// while New registers routes, so a missing rule fails every test).
func ruleFor(pattern string) rule {
	ru, ok := rules[pattern]
	if !ok {
		panic("httpapi: route " + pattern + " has no rule in rules.go (who may call it, what the audit log records)")
	}
	if ru.access < accessPublic || ru.access > accessAdmin {
		panic("httpapi: route " + pattern + " has a rule without an access level")
	}
	return ru
}
