import { RegionControl } from "./base.js";
export class BoxesControl extends RegionControl {}
export class PolygonsControl extends RegionControl {}
export class PolylinesControl extends RegionControl {}
export class KeypointsControl extends RegionControl {}
export class MasksControl extends RegionControl {}
