package web

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Proxies are the networks whose requests come through a reverse proxy or
// load balancer we trust to say who the client is. Only a request whose TCP
// peer is in one of them is believed about its client address (Forwarded,
// X-Forwarded-For) and scheme (X-Forwarded-Proto); anyone else could write
// those headers to pass for someone else.
type Proxies []netip.Prefix

// ParseProxies reads a comma-separated list of CIDRs ("10.0.0.0/8,
// fd00::/8"); a bare address stands for itself alone.
func ParseProxies(list string) (Proxies, error) {
	var ps Proxies
	for _, f := range strings.Split(list, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if !strings.Contains(f, "/") {
			a, err := netip.ParseAddr(f)
			if err != nil {
				return nil, fmt.Errorf("trusted proxy %q is neither a CIDR nor an address", f)
			}
			ps = append(ps, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(f)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q is not a CIDR", f)
		}
		if p.Addr().Is4In6() {
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		ps = append(ps, p.Masked())
	}
	return ps, nil
}

func (ps Proxies) trusts(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// Client returns the address of the client behind r and whether it came
// over https. From a trusted peer, the hops named by Forwarded (or, without
// it, X-Forwarded-For) are read from the right, each added by the proxy
// after it: the first one that is not itself a trusted proxy is the client.
// A hop that cannot be read ends the walk at the last address known.
func (ps Proxies) Client(r *http.Request) (netip.Addr, bool) {
	peer := remoteAddr(r)
	https := r.TLS != nil
	if len(ps) == 0 || !peer.IsValid() || !ps.trusts(peer) {
		return peer, https
	}
	hops, protos := forwardedHops(r.Header)
	client := peer
	for i := len(hops) - 1; i >= 0; i-- {
		a, ok := parseHop(hops[i])
		if !ok {
			break
		}
		client = a
		if !ps.trusts(a) {
			break
		}
	}
	if len(protos) > 0 {
		// The proxy nearest to us speaks last.
		https = strings.EqualFold(strings.TrimSpace(protos[len(protos)-1]), "https")
	}
	return client, https
}

// remoteAddr is the TCP peer of r.
func remoteAddr(r *http.Request) netip.Addr {
	if ap, err := netip.ParseAddrPort(r.RemoteAddr); err == nil {
		return ap.Addr().Unmap()
	}
	a, _ := netip.ParseAddr(r.RemoteAddr)
	return a.Unmap()
}

// forwardedHops lists the client addresses and schemes the proxies
// recorded, nearest last: from RFC 7239 Forwarded when present, otherwise
// from X-Forwarded-For and X-Forwarded-Proto. Repeated headers read as one
// list, in order.
func forwardedHops(h http.Header) (hops, protos []string) {
	if fw := h.Values("Forwarded"); len(fw) > 0 {
		for _, line := range fw {
			for _, elem := range splitOutsideQuotes(line, ',') {
				for _, pair := range splitOutsideQuotes(elem, ';') {
					k, v, _ := strings.Cut(strings.TrimSpace(pair), "=")
					v = strings.Trim(strings.TrimSpace(v), `"`)
					switch strings.ToLower(k) {
					case "for":
						hops = append(hops, v)
					case "proto":
						protos = append(protos, v)
					}
				}
			}
		}
		return hops, protos
	}
	for _, line := range h.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(line, ",")...)
	}
	for _, line := range h.Values("X-Forwarded-Proto") {
		protos = append(protos, strings.Split(line, ",")...)
	}
	return hops, protos
}

// splitOutsideQuotes splits s at sep, except inside quoted strings.
func splitOutsideQuotes(s string, sep byte) []string {
	var parts []string
	quoted, start := false, 0
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '"':
			quoted = !quoted
		case s[i] == sep && !quoted:
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	return append(parts, s[start:])
}

// parseHop reads one hop: "192.0.2.1", "192.0.2.1:4711", "2001:db8::1",
// "[2001:db8::1]:4711". Obfuscated names and "unknown" are not addresses.
func parseHop(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	if a, err := netip.ParseAddr(strings.Trim(s, "[]")); err == nil {
		return a.Unmap(), true
	}
	if host, _, err := net.SplitHostPort(s); err == nil {
		if a, err := netip.ParseAddr(host); err == nil {
			return a.Unmap(), true
		}
	}
	return netip.Addr{}, false
}
