package blob

// IdleConns is how many connections to object storage wait for the next
// range.
func IdleConns(s *Store) int {
	if s.get == nil || s.get.relay == nil {
		return 0
	}
	p := s.get.relay
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.idle)
}
