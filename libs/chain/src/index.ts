// The chain's own contract, shared by its three services: the order service-a sends, what each hop saw, the answer.
export { ChainAnswer, ComputeResult, Hop, hopOf } from './hop';
export { NUMBER_LIMIT, OrderRequestDto } from './order-request.dto';
