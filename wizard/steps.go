package wizard

// pageID names a setup page.
type pageID int

// The setup pages, in express order with the customize pages where
// Customize inserts them.
const (
	pageWelcome pageID = iota
	pageExpress
	pageEntra
	pageAD
	pageSuffixes
	pageOUs
	pageObjectTypes
	pageAttributes
	pageSourceAnchor
	pageSoftMatch
	pageSchedule
	pageThresholds
	pageStaging
	pageReady
	pageConfiguring
	pageComplete
)

// pageTitles are the pages' titles, as the header shows them.
var pageTitles = map[pageID]string{
	pageWelcome:      "Welcome",
	pageExpress:      "Express settings",
	pageEntra:        "Connect to Entra ID",
	pageAD:           "Connect to AD DS",
	pageSuffixes:     "UPN suffixes",
	pageOUs:          "Organizational units",
	pageObjectTypes:  "Object types",
	pageAttributes:   "Optional attributes",
	pageSourceAnchor: "Source anchor",
	pageSoftMatch:    "Existing cloud objects",
	pageSchedule:     "Schedule",
	pageThresholds:   "Deletion thresholds",
	pageStaging:      "Staging mode",
	pageReady:        "Ready to configure",
	pageConfiguring:  "Configuring",
	pageComplete:     "Complete",
}

// String returns the page's title.
func (p pageID) String() string { return pageTitles[p] }

// customizePages are the pages Customize adds, in order.
var customizePages = []pageID{
	pageOUs, pageObjectTypes, pageAttributes, pageSourceAnchor,
	pageSoftMatch, pageSchedule, pageThresholds, pageStaging,
}

// setupPages lists the pages of setup in order: the express path, plus
// the customize pages after the UPN suffixes when customize is set.
func setupPages(customize bool) []pageID {
	pages := []pageID{pageWelcome, pageExpress, pageEntra, pageAD, pageSuffixes}
	if customize {
		pages = append(pages, customizePages...)
	}
	return append(pages, pageReady, pageConfiguring, pageComplete)
}

// nav is where the administrator wants to go from a page.
type nav int

// The ways out of a page.
const (
	navNext nav = iota
	navBack
	navCancel
)

// String names the way, for test messages.
func (n nav) String() string {
	switch n {
	case navBack:
		return "back"
	case navCancel:
		return "cancel"
	default:
		return "next"
	}
}

// step moves from index i of pages in direction n. It never moves back
// from the first page or from Configuring and Complete (what is done is
// done), and returns done when moving on from the last page.
func step(pages []pageID, i int, n nav) (next int, done bool) {
	switch n {
	case navBack:
		if i == 0 || pages[i] == pageConfiguring || pages[i] == pageComplete {
			return i, false
		}
		return i - 1, false
	case navNext:
		if i+1 >= len(pages) {
			return i, true
		}
		return i + 1, false
	}
	return i, false
}
