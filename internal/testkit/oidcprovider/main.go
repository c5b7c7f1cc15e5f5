// Command oidcprovider is the OpenID provider Troupe's sign-on tests run
// as a process of its own: the example provider of zitadel/oidc (its
// login form, the authorization code flow with PKCE, signed ID tokens and
// a JWKS), with users read from a file and each user's groups added to
// the ID token and the userinfo, as company providers send them.
//
// It is configured by the environment: OP_ADDR (host:port to listen on),
// OP_ISSUER (its own URL, ending in "/"), OP_USERS (a JSON file: user id →
// {"ID","Username","Password","Email","EmailVerified","FirstName",
// "LastName","Groups"}), OP_CLIENT_ID, OP_CLIENT_SECRET and
// OP_REDIRECT_URIS (comma-separated).
package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"os"
	"strings"

	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/oidc"
)

// withGroups is the example storage with each user's groups as a claim.
type withGroups struct {
	*storage.Storage
	groups map[string][]string
}

func (s withGroups) GetPrivateClaimsFromScopes(ctx context.Context, userID, clientID string, scopes []string) (map[string]any, error) {
	claims, err := s.Storage.GetPrivateClaimsFromScopes(ctx, userID, clientID, scopes)
	if err != nil {
		return nil, err
	}
	if claims == nil {
		claims = map[string]any{}
	}
	claims["groups"] = s.groups[userID]
	return claims, nil
}

func (s withGroups) SetUserinfoFromScopes(ctx context.Context, info *oidc.UserInfo, userID, clientID string, scopes []string) error {
	if err := s.Storage.SetUserinfoFromScopes(ctx, info, userID, clientID, scopes); err != nil {
		return err
	}
	info.AppendClaims("groups", s.groups[userID])
	return nil
}

func main() {
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	users, err := storage.StoreFromFile(os.Getenv("OP_USERS"))
	if err != nil {
		log.Error("users", "err", err)
		os.Exit(1)
	}
	raw, err := os.ReadFile(os.Getenv("OP_USERS"))
	if err != nil {
		log.Error("users", "err", err)
		os.Exit(1)
	}
	var listed map[string]struct{ Groups []string }
	if err := json.Unmarshal(raw, &listed); err != nil {
		log.Error("users", "err", err)
		os.Exit(1)
	}
	groups := map[string][]string{}
	for id, u := range listed {
		groups[id] = u.Groups
	}
	storage.RegisterClients(storage.WebClient(os.Getenv("OP_CLIENT_ID"), os.Getenv("OP_CLIENT_SECRET"),
		strings.Split(os.Getenv("OP_REDIRECT_URIS"), ",")...))
	router := exampleop.SetupServer(os.Getenv("OP_ISSUER"), withGroups{storage.NewStorage(users), groups}, log, false)
	if err := http.ListenAndServe(os.Getenv("OP_ADDR"), router); err != nil {
		log.Error("serve", "err", err)
		os.Exit(1)
	}
}
