// the pinned yarn release the project runs (a stand-in)
