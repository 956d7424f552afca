/*
** FileNotifier — an lsqm notifier plugin written in plain C.
**
** Config (JSON object): {"path": "/where/to/write/summary.json"}
** On notify it writes the run summary JSON it receives to `path` atomically (temp file + rename).
** It exports only lsqm_plugin_entry(); everything else is static.
*/
#ifndef LSQM_FILE_NOTIFIER_H
#define LSQM_FILE_NOTIFIER_H
#endif
