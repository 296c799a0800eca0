package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// The CLI keeps the tokens `atrium login` obtained in one file per user:
// $ATRIUM_CONFIG_DIR/credentials.json, else <user config dir>/atrium/
// credentials.json (os.UserConfigDir: $XDG_CONFIG_HOME or ~/.config on
// Linux). The directory is 0700 and the file 0600, written atomically. Only
// access tokens are stored — never a client secret — so a stolen file is
// worth at most the token's remaining lifetime (3 h by default).
const (
	envConfigDir  = "ATRIUM_CONFIG_DIR"
	credFileName  = "credentials.json"
	credFileMode  = 0o600
	credDirMode   = 0o700
	credFileLimit = 1 << 20
)

// storedToken is one server's token.
type storedToken struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expiresAt"`
	User      string    `json:"user,omitempty"`
}

// credFile is the file's content: tokens by server URL (no trailing slash).
type credFile struct {
	Servers map[string]storedToken `json:"servers"`
}

// credPath returns the credentials file path.
func credPath() (string, error) {
	dir := os.Getenv(envConfigDir)
	if dir == "" {
		base, err := os.UserConfigDir()
		if err != nil {
			return "", fmt.Errorf("no user config directory (set %s): %w", envConfigDir, err)
		}
		dir = filepath.Join(base, "atrium")
	}
	return filepath.Join(dir, credFileName), nil
}

// loadCredFile reads the file; a missing file is an empty one.
func loadCredFile(path string) (*credFile, error) {
	cf := &credFile{Servers: map[string]storedToken{}}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return cf, nil
	}
	if err != nil {
		return nil, err
	}
	if len(data) > credFileLimit {
		return nil, fmt.Errorf("%s is larger than %d bytes", path, credFileLimit)
	}
	if err := json.Unmarshal(data, cf); err != nil {
		return nil, fmt.Errorf("%s is not valid JSON (delete it and run atrium login): %w", path, err)
	}
	if cf.Servers == nil {
		cf.Servers = map[string]storedToken{}
	}
	return cf, nil
}

// save writes the file atomically with mode 0600 in a 0700 directory.
func (cf *credFile) save(path string) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, credDirMode); err != nil {
		return err
	}
	data, err := json.MarshalIndent(cf, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".credentials-*.json")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after a successful rename this does nothing
	if err := tmp.Chmod(credFileMode); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// serverKey normalises a server URL as the file's key.
func serverKey(rawURL string) string { return strings.TrimRight(rawURL, "/") }

// storedTokenFor returns the token stored for a server, if any (expired or
// not: the client explains an expired one when the server refuses it).
func storedTokenFor(rawURL string) (storedToken, bool) {
	path, err := credPath()
	if err != nil {
		return storedToken{}, false
	}
	cf, err := loadCredFile(path)
	if err != nil {
		return storedToken{}, false
	}
	t, ok := cf.Servers[serverKey(rawURL)]
	if !ok || t.Token == "" {
		return storedToken{}, false
	}
	return t, true
}
