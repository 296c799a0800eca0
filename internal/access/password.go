package access

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// MinPasswordLength is the shortest local password accepted.
const MinPasswordLength = 12

// maxPasswordLength bounds the work one sign-in attempt can ask for.
const maxPasswordLength = 1024

// argonParams are argon2id's cost parameters.
type argonParams struct {
	time    uint32
	memory  uint32 // KiB
	threads uint8
}

// Argon2id parameters (docs/access.md): production per golibs.md (about
// 300 ms on 2 cores); tests use tiny ones (Options.FastPasswordHashesForTests).
var (
	productionArgon = argonParams{time: 2, memory: 64 * 1024, threads: 2}
	testArgon       = argonParams{time: 1, memory: 64, threads: 1}
)

const (
	argonKeyLen  = 32
	argonSaltLen = 16
)

var b64 = base64.RawStdEncoding

// checkPassword returns a reason when pw is not acceptable as a new password.
func checkPassword(pw string) string {
	switch n := len([]rune(pw)); {
	case n < MinPasswordLength:
		return fmt.Sprintf("must be at least %d characters long", MinPasswordLength)
	case len(pw) > maxPasswordLength:
		return fmt.Sprintf("must be at most %d bytes long", maxPasswordLength)
	}
	return ""
}

// hashPassword returns pw's argon2id hash as a PHC string
// ($argon2id$v=19$m=…,t=…,p=…$salt$key).
func (s *Service) hashPassword(pw string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password salt: %w", err)
	}
	p := s.kdf
	key := argon2.IDKey([]byte(pw), salt, p.time, p.memory, p.threads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.memory, p.time, p.threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// errBadHash is returned for a stored hash that is not an argon2id PHC
// string this package wrote.
var errBadHash = errors.New("stored password hash is not an argon2id PHC string")

// verifyPassword reports whether pw matches the PHC string phc, using the
// parameters stored in it.
func verifyPassword(pw, phc string) (bool, error) {
	parts := strings.Split(phc, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return false, errBadHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, errBadHash
	}
	var p argonParams
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.memory, &p.time, &p.threads); err != nil ||
		p.time == 0 || p.threads == 0 || p.memory == 0 || p.memory > 1<<22 || p.time > 64 {
		return false, errBadHash
	}
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false, errBadHash
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil || len(want) == 0 || len(want) > 128 {
		return false, errBadHash
	}
	got := argon2.IDKey([]byte(pw), salt, p.time, p.memory, p.threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}
