"""Writes: every change to a photo or its files goes through a function of one of these modules.

- `photos`: intake of uploads, review, re-scoring and deletion (what people and staff ask for);
- `jobs`: the scoring job's protocol and policy: sending, claiming, releasing, re-sending,
  retrying and the attempt cap;
- `pipeline`: the batch a worker runs: read the originals, run the model, store the results;
- `accounts`: a user's own settings (their time zone);
- `storage`: where a photo's files are stored and how they are removed.

Tasks call these; none of these imports the tasks (jobs sends the scoring task by name).
"""
