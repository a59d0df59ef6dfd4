#ifndef KAASA_CYAML_SHIM_H
#define KAASA_CYAML_SHIM_H
#include <yaml.h>
#endif
