#pragma once
/// @file The apply phase: each agent's month in parallel (asset progress and bills, §7.3; pharma's
/// plan, §7.5; VC fees, §7.4), then all monthly flows booked in a fixed order (§7.6), public
/// support included (§7.9). docs/MODEL.md §3 (apply).
namespace biocluster::agents {

struct World;

// parallel, each agent its own state
void progress_startups(World& w);
void plan_pharma_months(World& w);
void compute_vc_fees(World& w);
// booking, in this order, each by id
void book_universities_and_hospitals(World& w);
void book_startups(World& w);
void book_vc_fees(World& w);
void book_pharma(World& w);
void book_infrastructure_grants(World& w);

}  // namespace biocluster::agents
