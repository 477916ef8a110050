"""Records management: retention schedules, legal holds and records-request bundles.

It sits above reports (it reads pledges, assessments, audit entries and report files to
erase, hold or bundle them) and below the top floor.
"""
