#!/bin/bash
# Return `course grade`'s feedback pages to the learners through nbgrader's exchange.
#
# Run it in your course directory (the clone of the course repository), after
#     nbgrader collect STEP
#     course grade submitted --out grades-out
# as
#     bash /srv/prototype-to-production/hosting/release-feedback.sh STEP [GRADES_OUT]
# Learners then press "Fetch Feedback" in their Assignments panel.
#
# nbgrader pairs each feedback page with the submission it belongs to through the
# submission's secret, so the page goes next to a copy of the submission's
# timestamp.txt and submission_secret.txt, in feedback/<learner>/<step>/.
set -euo pipefail

STEP="${1:?usage: release-feedback.sh STEP [GRADES_OUT]}"
GRADES_OUT="${2:-grades-out}"

released=0
for pages in "${GRADES_OUT}"/feedback/*/"${STEP}"; do
    [ -d "${pages}" ] || continue
    learner="$(basename "$(dirname "${pages}")")"
    submission="submitted/${learner}/${STEP}"
    if [ ! -f "${submission}/submission_secret.txt" ]; then
        echo "skipped ${learner}: ${submission} was not collected through the exchange" >&2
        continue
    fi
    target="feedback/${learner}/${STEP}"
    mkdir -p "${target}"
    cp "${pages}"/*.html "${target}/"
    cp "${submission}/timestamp.txt" "${submission}/submission_secret.txt" "${target}/"
    released=$((released + 1))
done

echo "feedback for ${released} learners prepared in feedback/*/${STEP}/"
nbgrader release_feedback "${STEP}"
