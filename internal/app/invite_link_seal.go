package app

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
)

// inviteLinkKey names the server key that seals invite-link tokens.
const inviteLinkKey = "invite-link"

// linkSealer seals invite-link tokens with AES-256-GCM under a server key,
// bound to their workspace: a sealed token copied to another workspace's
// row does not open.
type linkSealer struct{ aead cipher.AEAD }

func (a *App) linkSealer(ctx context.Context) (linkSealer, error) {
	return a.sealer(ctx, inviteLinkKey)
}

// sealer seals with AES-256-GCM under the server key called name.
func (a *App) sealer(ctx context.Context, name string) (linkSealer, error) {
	key, err := a.serverKey(ctx, name)
	if err != nil {
		return linkSealer{}, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return linkSealer{}, fmt.Errorf("%s key: %w", name, err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return linkSealer{}, fmt.Errorf("%s key: %w", name, err)
	}
	return linkSealer{aead: aead}, nil
}

// seal returns the token encrypted under a fresh random nonce, in
// URL-safe base64 (nonce then ciphertext).
func (s linkSealer) seal(workspaceID, token string) string {
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(token)+s.aead.Overhead())
	rand.Read(nonce)
	return base64.RawURLEncoding.EncodeToString(s.aead.Seal(nonce, nonce, []byte(token), []byte(workspaceID)))
}

var errSealed = errors.New("invite link: sealed token does not open")

// open returns the token sealed for workspaceID.
func (s linkSealer) open(workspaceID, sealed string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(sealed)
	if err != nil || len(b) < s.aead.NonceSize() {
		return "", errSealed
	}
	n := s.aead.NonceSize()
	token, err := s.aead.Open(nil, b[:n], b[n:], []byte(workspaceID))
	if err != nil {
		return "", errSealed
	}
	return string(token), nil
}
