#include "lsqm_plugin.h"
