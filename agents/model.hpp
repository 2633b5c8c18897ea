#pragma once
/// @file Compatibility umbrella: the world (agents/world.hpp), the step (agents/step.hpp) and what
/// it records (agents/recording.hpp). New code includes the header it needs.
#include "agents/recording.hpp"
#include "agents/step.hpp"
#include "agents/world.hpp"
