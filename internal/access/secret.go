package access

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"strings"
)

// Prefixes of generated values (docs/access.md), so secret scanners can
// recognise a leaked secret. Client ids are not secret.
const (
	PrefixClientID     = "atrci_"
	PrefixClientSecret = "atrcs_"
	PrefixAccessToken  = "atrat_"
	PrefixSession      = "atrss_"
	PrefixCSRF         = "atrcf_"
)

// secretBytes is the entropy of a secret: 32 random bytes.
const secretBytes = 32

// randomString returns n random bytes from crypto/rand, base64url without
// padding. crypto/rand.Read never fails (it panics on a broken kernel source).
func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// newSecret returns a fresh secret with prefix.
func newSecret(prefix string) string { return prefix + randomString(secretBytes) }

// newClientID returns a fresh client id (16 random bytes: unique, not secret).
func newClientID() string { return PrefixClientID + randomString(16) }

// hashSecret is what the store keeps of a secret. Secrets are high-entropy,
// so a fast hash is enough (docs/access.md).
func hashSecret(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// secretMatches compares secret with a stored hash in constant time.
func secretMatches(secret string, hash []byte) bool {
	return subtle.ConstantTimeCompare(hashSecret(secret), hash) == 1
}

// hasPrefix reports whether s starts with prefix and has something after it.
func hasPrefix(s, prefix string) bool {
	return len(s) > len(prefix) && strings.HasPrefix(s, prefix)
}
