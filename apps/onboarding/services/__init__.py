"""Onboarding writes: sign-up, each wizard step, the KYC check and its staff review, completion.

Split by stage (``signup``, ``progress``, ``kyc``, ``later_steps``); import from the module.
"""
