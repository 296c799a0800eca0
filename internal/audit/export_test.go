package audit

// SetSweptHook makes Run call fn after every sweep, so tests wait for a sweep
// instead of sleeping. Call it before Run.
func SetSweptHook(s *Service, fn func(n int64, err error)) { s.swept = fn }

// SetScan lowers List's scan bound so tests reach it with a few entries.
func SetScan(s *Service, page, maxPages int) { s.scanPage, s.maxScanPages = page, maxPages }
