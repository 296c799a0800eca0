package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// Credentials for the client commands, besides ATRIUM_TOKEN (client.go).
const (
	envClientID     = "ATRIUM_CLIENT_ID"
	envClientSecret = "ATRIUM_CLIENT_SECRET"
)

func newLoginCmd() *cobra.Command {
	var clientID string
	cmd := &cobra.Command{
		Use:   "login",
		Short: "Exchange a client id and secret for an access token and store it for the other commands",
		Long: `Exchange an API credential (client id + secret, from POST /v1/apps or the
bootstrap admin) for an access token, and store the token for ATRIUM_URL in
the user's config directory (credentials.json, mode 0600). The secret is read
from ATRIUM_CLIENT_SECRET or, when unset, from standard input (without echo on
a terminal); it is never stored.

  atrium login --client-id atrci_...            # asks for the secret
  echo "$SECRET" | atrium login --client-id atrci_...

In CI, skip login: set ATRIUM_CLIENT_ID and ATRIUM_CLIENT_SECRET (each command
then gets its own token) or ATRIUM_TOKEN.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if clientID == "" {
				clientID = os.Getenv(envClientID)
			}
			if clientID == "" {
				return fmt.Errorf("--client-id (or %s) is required", envClientID)
			}
			secret := os.Getenv(envClientSecret)
			if secret == "" {
				var err error
				if secret, err = readSecret(cmd.InOrStdin(), cmd.ErrOrStderr()); err != nil {
					return err
				}
			}
			c, err := newClient(serverURLFromEnv(), "", nil)
			if err != nil {
				return err
			}
			tok, err := c.accessToken(cmd.Context(), clientID, secret)
			if err != nil {
				return err
			}
			c.token = tok.AccessToken
			me, err := c.me(cmd.Context())
			if err != nil {
				return err
			}
			expires := time.Now().Add(time.Duration(tok.ExpiresIn) * time.Second).UTC().Truncate(time.Second)
			path, err := credPath()
			if err != nil {
				return err
			}
			cf, err := loadCredFile(path)
			if err != nil {
				return err
			}
			cf.Servers[serverKey(c.base.String())] = storedToken{Token: tok.AccessToken, ExpiresAt: expires, User: me}
			if err := cf.save(path); err != nil {
				return fmt.Errorf("store the token in %s: %w", path, err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "logged in to %s as %s; token valid until %s (stored in %s)\n",
				c.base, me, expires.Format(time.RFC3339), path)
			return nil
		},
	}
	cmd.Flags().StringVar(&clientID, "client-id", "", "client id of the credential (env "+envClientID+")")
	return cmd
}

func newLogoutCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "logout",
		Short: "Forget the token stored for ATRIUM_URL",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			path, err := credPath()
			if err != nil {
				return err
			}
			cf, err := loadCredFile(path)
			if err != nil {
				return err
			}
			key := serverKey(serverURLFromEnv())
			if _, ok := cf.Servers[key]; !ok {
				fmt.Fprintf(cmd.OutOrStdout(), "no token stored for %s\n", key)
				return nil
			}
			delete(cf.Servers, key)
			if err := cf.save(path); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "forgot the token for %s\n", key)
			return nil
		},
	}
}

// readSecret reads the client secret from in: without echo when in is a
// terminal, else its first line.
func readSecret(in io.Reader, prompt io.Writer) (string, error) {
	if f, ok := in.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(prompt, "client secret: ")
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(prompt)
		if err != nil {
			return "", err
		}
		return strings.TrimSpace(string(b)), nil
	}
	line, err := bufio.NewReader(io.LimitReader(in, 4096)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	if line = strings.TrimSpace(line); line == "" {
		return "", fmt.Errorf("no client secret: set %s or pipe it on standard input", envClientSecret)
	}
	return line, nil
}

// tokenAnswer is POST /v1/auth/access_token's answer.
type tokenAnswer struct {
	AccessToken string `json:"accessToken"`
	ExpiresIn   int    `json:"expiresIn"`
	TokenType   string `json:"tokenType"`
}

// accessToken exchanges a credential for a token.
func (c *client) accessToken(ctx context.Context, clientID, secret string) (*tokenAnswer, error) {
	var out tokenAnswer
	_, err := c.send(ctx, http.MethodPost, "/v1/auth/access_token", nil,
		map[string]string{"clientId": clientID, "clientSecret": secret}, &out, false)
	if err != nil {
		return nil, err
	}
	if out.AccessToken == "" {
		return nil, errors.New("the server answered without an access token")
	}
	return &out, nil
}

// me returns the signed-in user's email.
func (c *client) me(ctx context.Context) (string, error) {
	var out struct {
		User struct {
			Email string `json:"email"`
		} `json:"user"`
	}
	if _, err := c.do(ctx, http.MethodGet, "/v1/auth/me", nil, nil, &out); err != nil {
		return "", err
	}
	return out.User.Email, nil
}
