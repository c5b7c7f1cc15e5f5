package app

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"troupe/internal/troupe"
)

// DeviceAge is how long a browser that signed in stays known to the
// account it signed in to.
const DeviceAge = 400 * 24 * time.Hour

// A device token is given to a browser after a successful sign-in (as in
// OWASP's "device cookies"): "user.nonce.expiry.mac", signed with a server
// key shared by every instance. Failed sign-ins from a device holding one
// for the account count against that device alone; everyone else's count
// against the account. Guessing from anywhere can then slow strangers
// down without ever locking the owner's own browsers out.

// device is a checked device token.
type device struct {
	userID string
	nonce  string // names the device for its own failure limit
}

// DeviceToken returns the device token for the browser of c, which has
// just signed in as userID: the one it holds when still good for that
// account, a new one otherwise.
func (a *App) DeviceToken(ctx context.Context, userID string, c Client) (_ string, opErr error) {
	defer wrap(&opErr, "device token")
	if d, err := a.device(ctx, c.Device); err != nil || d.userID == userID {
		return c.Device, err
	}
	var b [16]byte
	rand.Read(b[:])
	key, err := a.serverKey(ctx, "device")
	if err != nil {
		return "", err
	}
	body := userID + "." + base64.RawURLEncoding.EncodeToString(b[:]) + "." +
		strconv.FormatInt(a.now().Add(DeviceAge).Unix(), 10)
	return body + "." + deviceMAC(key, body), nil
}

// device checks a device token; a malformed, forged or expired one is
// the zero device.
func (a *App) device(ctx context.Context, token string) (device, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 4 || len(token) > 200 {
		return device{}, nil
	}
	key, err := a.serverKey(ctx, "device")
	if err != nil {
		return device{}, err
	}
	body := strings.Join(parts[:3], ".")
	if !hmac.Equal([]byte(parts[3]), []byte(deviceMAC(key, body))) {
		return device{}, nil
	}
	exp, err := strconv.ParseInt(parts[2], 10, 64)
	if err != nil || a.now().Unix() >= exp {
		return device{}, nil
	}
	return device{userID: parts[0], nonce: parts[1]}, nil
}

func deviceMAC(key []byte, body string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("device|" + body))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// signInGuard is the set of limits one password check of an account
// counts against.
type signInGuard struct {
	trusted bool   // the client's device signed in to this account before
	subject string // the device's nonce, or the account's address
	address string
}

// guard picks the limits for a password check of the account with
// userID ("" when none) and address email, from client c.
func (a *App) guard(ctx context.Context, userID, email string, c Client) (signInGuard, error) {
	d, err := a.device(ctx, c.Device)
	if err != nil {
		return signInGuard{}, err
	}
	if userID != "" && d.userID == userID {
		return signInGuard{trusted: true, subject: d.nonce}, nil
	}
	return signInGuard{subject: troupe.NormalizeEmail(email), address: c.address()}, nil
}

// check refuses a password check once the device, or for an unknown
// device the account from this address or from anywhere, has failed too
// often.
func (g signInGuard) check(ctx context.Context, a *App) error {
	if g.trusted {
		return a.exceeded(ctx, limitLoginDeviceFail, g.subject)
	}
	if err := a.exceeded(ctx, limitLoginFail, g.subject+"|"+g.address); err != nil {
		return err
	}
	return a.exceeded(ctx, limitLoginAccountFail, g.subject)
}

// fail records a wrong password and returns the error to show.
func (g signInGuard) fail(ctx context.Context, a *App) error {
	var err error
	if g.trusted {
		err = a.record(ctx, limitLoginDeviceFail, g.subject)
	} else if err = a.record(ctx, limitLoginFail, g.subject+"|"+g.address); err == nil {
		err = a.record(ctx, limitLoginAccountFail, g.subject)
	}
	if err != nil {
		return err
	}
	return errInvalidCredentials
}
