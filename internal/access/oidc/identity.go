package oidc

import (
	"fmt"
	"slices"
	"strings"

	"github.com/atrium-idp/atrium/internal/model"
)

// Identity is who the provider says signed in, ready for
// access.Service.LoginExternal.
type Identity struct {
	// Subject is the provider's stable id for the person (the sub claim).
	Subject string
	// Email is the address from Config.EmailClaim, in lower case.
	Email string
	// FirstName and LastName come from given_name / family_name, else from name split at the first space.
	FirstName string
	LastName  string
	// Teams are the names in Config.TeamsClaim, trimmed, without duplicates, sorted.
	Teams []string
}

// identity maps verified claims to an Identity, refusing an unverified email,
// one outside the allowed domains, or a teams claim of the wrong shape.
func (p *Provider) identity(subject string, claims map[string]any) (*Identity, error) {
	if subject == "" {
		return nil, unauthenticated("the ID token has no subject")
	}
	email, _ := claims[p.cfg.EmailClaim].(string)
	email = strings.ToLower(strings.TrimSpace(email))
	at := strings.LastIndexByte(email, '@')
	if at <= 0 || at == len(email)-1 {
		return nil, unauthenticated("the ID token has no email address in claim %q (is the email scope granted?)", p.cfg.EmailClaim)
	}
	if verified, ok := claims["email_verified"]; ok && !isTrue(verified) {
		return nil, unauthenticated("the identity provider has not verified the email address %s", email)
	}
	if len(p.domains) > 0 && !slices.Contains(p.domains, email[at+1:]) {
		return nil, &Error{Kind: model.ErrForbidden, Message: fmt.Sprintf(
			"OIDC sign-in: email domain %q is not allowed to sign in here", email[at+1:])}
	}
	id := &Identity{Subject: subject, Email: email}
	id.FirstName, _ = claims["given_name"].(string)
	id.LastName, _ = claims["family_name"].(string)
	if name, _ := claims["name"].(string); id.FirstName == "" && id.LastName == "" && name != "" {
		first, last, _ := strings.Cut(strings.TrimSpace(name), " ")
		id.FirstName, id.LastName = first, strings.TrimSpace(last)
	}
	if p.cfg.TeamsClaim != NoTeamsClaim {
		teams, err := teamNames(claims[p.cfg.TeamsClaim])
		if err != nil {
			return nil, unauthenticated("claim %q %s", p.cfg.TeamsClaim, err)
		}
		id.Teams = teams
	}
	return id, nil
}

// isTrue reads email_verified, which some providers send as the string "true".
func isTrue(v any) bool {
	switch v := v.(type) {
	case bool:
		return v
	case string:
		return strings.EqualFold(v, "true")
	}
	return false
}

// teamNames reads a teams claim: absent, one string, or an array of strings.
func teamNames(v any) ([]string, error) {
	var raw []string
	switch v := v.(type) {
	case nil:
		return nil, nil
	case string:
		raw = []string{v}
	case []any:
		for _, e := range v {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("must be a string or an array of strings, found an element of type %T", e)
			}
			raw = append(raw, s)
		}
	default:
		return nil, fmt.Errorf("must be a string or an array of strings, not %T", v)
	}
	var teams []string
	for _, s := range raw {
		if s = strings.TrimSpace(s); s != "" {
			teams = append(teams, s)
		}
	}
	slices.Sort(teams)
	return slices.Compact(teams), nil
}
